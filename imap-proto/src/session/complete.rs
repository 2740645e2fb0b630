//! Completion: the server's tagged answer becomes imaplib's `(typ, data)` (or an error), with
//! the side effects each method has.

use super::job::{Job, Stage};
use super::send::After;
use super::{last_text, Connection, Output, Phase};
use crate::command::{Kind, State};
use crate::encode;
use crate::error::{Error, Layer, Reason, Result, StateProblem, Violation};
use crate::response::{Item, Reply, Typ};

fn list_repr(items: &[Item]) -> String {
    format!("{items:?}")
}

/// The text line of a tagged answer (its last line item).
fn text_of(items: &[Item]) -> &[u8] {
    items.last().and_then(Item::as_line).unwrap_or_default()
}

impl Connection {
    pub(super) fn untagged_response(&mut self, typ: Typ, data: Vec<Item>, name: &str) -> Reply {
        if typ == Typ::No {
            return Reply::new(typ, data);
        }
        match self.store.pop(name) {
            Some(items) => Reply::new(typ, items),
            None => Reply::new(typ, vec![Item::None]),
        }
    }

    pub(super) fn finish(&mut self, tag: u64, mut job: Job, typ: Typ, data: Vec<Item>) {
        let id = job.id;
        let name = job.name.clone();
        if let Stage::CapabilityFollowUp(_) = job.stage {
            return self.finish_follow_up(job, typ);
        }
        if job.is_deselect() {
            self.state = State::Auth;
        }
        if let Some(idle) = job.idle() {
            match idle.accepted() {
                Some(prev) => self.state = prev,
                None => {
                    let err = if typ == Typ::No {
                        Error::error(
                            Reason::from_status("NO", text_of(&data)),
                            format!("idle denied: {}", list_repr(&data)),
                        )
                    } else {
                        Error::abort(
                            Reason::protocol(Violation::UnexpectedStatus, text_of(&data)),
                            format!("unexpected status response: {typ} {}", list_repr(&data)),
                        )
                    };
                    return self.complete(id, Err(err.with_command(name)));
                }
            }
        }
        if let Kind::Authenticate(auth) = &mut job.kind {
            // The mechanism's own verdict comes before the server's: a cancelled
            // exchange keeps its reason whatever the server answers to `*`, and a
            // mechanism with mutual authentication (SCRAM) fails a login the server
            // accepted without proving itself.
            let ok = typ == Typ::Ok;
            let verdict = match std::mem::replace(&mut job.stage, Stage::Main) {
                Stage::AuthCancelled(err) => Err(err),
                _ => auth.finish(ok),
            };
            if let Err(err) = verdict {
                let err = err.with_command(&name);
                if !ok {
                    return self.complete(id, Err(err));
                }
                // The server counts the client as logged in; the client does not trust
                // it: nothing more goes over this connection.
                let err = Error::abort(err.reason().clone(), err.message())
                    .with_command(&name)
                    .with_bytes(err.bytes().unwrap_or_default());
                self.complete(id, Err(err.clone()));
                return self.fail(err);
            }
        }
        if typ == Typ::Bad {
            let err = Error::error(
                Reason::from_status("BAD", text_of(&data)),
                format!("{name} command error: BAD {}", list_repr(&data)),
            )
            .with_command(name);
            return self.complete(id, Err(err));
        }
        let result = match &job.kind {
            Kind::Tagged | Kind::Deselect | Kind::Logout | Kind::Idle => Ok(Reply::new(typ, data)),
            Kind::Untagged(t) => {
                let t = t.clone();
                Ok(self.untagged_response(typ, data, &t))
            }
            Kind::Capability => {
                if job.id.is_none() {
                    if typ == Typ::Ok && self.learn_capabilities(true) {
                        Ok(Reply::new(typ, vec![]))
                    } else {
                        Err(no_capability())
                    }
                } else {
                    Ok(self.untagged_response(typ, data, "CAPABILITY"))
                }
            }
            Kind::Recent => Ok(self.untagged_response(typ, data, "RECENT")),
            Kind::Search { ranges } => {
                let uid = name == "UID";
                self.search_result(tag, uid, typ, data, *ranges)
            }
            Kind::GetQuotaRoot => {
                let quota = self.untagged_response(typ.clone(), data.clone(), "QUOTA");
                let root = self.untagged_response(typ.clone(), data, "QUOTAROOT");
                Ok(Reply::new(
                    typ,
                    vec![Item::List(root.data), Item::List(quota.data)],
                ))
            }
            Kind::Enable { utf8, .. } => {
                if typ == Typ::Ok && *utf8 {
                    self.utf8 = true;
                }
                Ok(Reply::new(typ, data))
            }
            Kind::Select {
                readonly,
                mailbox_repr,
            } => {
                if typ != Typ::Ok {
                    self.state = State::Auth;
                    Ok(Reply::new(typ, data))
                } else {
                    self.state = State::Selected;
                    if self.rev2() {
                        // RFC 9051 §6.3.2: SELECT also returns the mailbox's `* LIST`.
                        // It describes the mailbox just selected; left stored it would
                        // open the result of the next LIST command.
                        self.store.pop("LIST");
                    }
                    if self.store.get("READ-ONLY").is_some() && !readonly {
                        Err(Error::readonly(format!("{mailbox_repr} is not writable"))
                            .with_command(name))
                    } else {
                        let exists = self
                            .store
                            .get("EXISTS")
                            .cloned()
                            .unwrap_or_else(|| vec![Item::None]);
                        Ok(Reply::new(typ, exists))
                    }
                }
            }
            Kind::Login | Kind::Authenticate(_) => {
                if typ != Typ::Ok {
                    Err(Error::error(
                        Reason::from_status(typ.as_str(), text_of(&data)),
                        last_text(&data),
                    )
                    .with_command(name)
                    .with_bytes(text_of(&data)))
                } else {
                    self.state = State::Auth;
                    if self.store.capability_appends > job.caps_before {
                        // The server sent its capabilities with the answer.
                        self.learn_capabilities(false);
                        Ok(Reply::new(typ, data))
                    } else {
                        // imaplib 3.14.7+: ask again, as the old list may be stale.
                        job.stage = Stage::CapabilityFollowUp(Reply::new(typ, data));
                        let new_tag = self.next_tag();
                        return self.start_capability(new_tag, job);
                    }
                }
            }
            Kind::StartTls => {
                if typ != Typ::Ok {
                    Err(Error::error(
                        Reason::from_status(typ.as_str(), text_of(&data)),
                        "Couldn't establish TLS session",
                    )
                    .with_command(name))
                } else {
                    job.stage = Stage::AwaitingLayer(self.untagged_response(typ, data, "STARTTLS"));
                    self.phase = Phase::Upgrading {
                        tag,
                        layer: Layer::StartTls,
                    };
                    self.jobs.insert(tag, job);
                    if let Some(id) = id {
                        self.emit(Output::StartTls { id });
                    }
                    return;
                }
            }
            Kind::Compress => {
                if typ != Typ::Ok {
                    Ok(Reply::new(typ, data))
                } else {
                    job.stage = Stage::AwaitingLayer(Reply::new(typ, data));
                    self.phase = Phase::Upgrading {
                        tag,
                        layer: Layer::Compress,
                    };
                    self.jobs.insert(tag, job);
                    if let Some(id) = id {
                        self.emit(Output::StartCompression { id });
                    }
                    return;
                }
            }
        };
        self.complete(id, result);
    }

    /// Sends CAPABILITY for `job`: at connect time (no id), or on behalf of a command whose
    /// result `job.stage` holds ([`Stage::CapabilityFollowUp`]).
    pub(super) fn start_capability(&mut self, tag: u64, job: Job) {
        let chunks = encode::command(&self.tag_bytes(tag), b"CAPABILITY", &[], self.ctx());
        self.jobs.insert(tag, job);
        self.sendq.push_front(tag, chunks, After::Nothing);
        self.pump();
    }

    fn finish_follow_up(&mut self, job: Job, typ: Typ) {
        let result = match job.stage {
            Stage::CapabilityFollowUp(saved) if typ == Typ::Ok && self.learn_capabilities(true) => {
                Ok(saved)
            }
            _ => Err(no_capability().with_command(job.name)),
        };
        self.complete(job.id, result);
    }

    /// The transport is now TLS (after [`Output::StartTls`]): cached capabilities and
    /// untagged data are discarded, CAPABILITY is asked again, and STARTTLS completes when
    /// it answers.
    pub fn tls_established(&mut self) -> Result<()> {
        let Phase::Upgrading {
            tag,
            layer: Layer::StartTls,
        } = self.phase
        else {
            return Err(Error::error(
                Reason::State(StateProblem::NotPending),
                "no STARTTLS upgrade is pending",
            ));
        };
        self.phase = Phase::Ready;
        self.secure = true;
        self.store.clear();
        self.capabilities.clear();
        let Some(mut job) = self.jobs.remove(&tag) else {
            return Ok(());
        };
        if let Stage::AwaitingLayer(saved) = std::mem::replace(&mut job.stage, Stage::Main) {
            job.stage = Stage::CapabilityFollowUp(saved);
        }
        let new_tag = self.next_tag();
        self.start_capability(new_tag, job);
        Ok(())
    }
}

impl Connection {
    /// The transport compresses now (after [`Output::StartCompression`]): the COMPRESS
    /// command completes with the server's `OK`, the commands held behind it go out (to be
    /// compressed), and the bytes fed after the `OK` line are returned. They are raw DEFLATE
    /// (a server may send an update right after its `OK`): the layer must decompress them
    /// before anything it reads. Capabilities do not change (RFC 4978).
    pub fn compression_established(&mut self) -> Result<Vec<u8>> {
        let Phase::Upgrading {
            tag,
            layer: Layer::Compress,
        } = self.phase
        else {
            return Err(Error::error(
                Reason::State(StateProblem::NotPending),
                "no COMPRESS=DEFLATE layer is pending",
            ));
        };
        self.phase = Phase::Ready;
        self.compressed = true;
        crate::trace::note!(self.opts.debug, 1, "COMPRESS=DEFLATE on");
        if let Some(job) = self.jobs.remove(&tag) {
            self.sendq.release(tag);
            let result = match job.stage {
                Stage::AwaitingLayer(reply) => Ok(reply),
                _ => Ok(Reply::new("OK", Vec::new())),
            };
            self.complete(job.id, result);
        }
        self.pump();
        Ok(std::mem::take(&mut self.early))
    }
}

fn no_capability() -> Error {
    Error::error(
        Reason::protocol(Violation::NoCapability, b""),
        "no CAPABILITY response from server",
    )
}
