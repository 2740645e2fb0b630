//! SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677), and their `-PLUS` variants with
//! channel binding (RFC 5056, RFC 5929, RFC 9266).

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::{AuthContext, Authenticator, ChannelBinding, ChannelBindingType};
use crate::error::{ArgumentProblem, Error, Reason, Result, SaslFailure};

/// The fewest iterations accepted by default: RFC 7677 §4's minimum (and Dovecot's count).
pub const DEFAULT_MIN_ITERATIONS: u32 = 4096;

/// The most iterations accepted by default. PBKDF2 runs on the client for every login, in
/// the client's own thread (the async client's executor included); a million iterations of
/// HMAC-SHA-256 take about half a second, 2³² − 1 would take most of an hour, which a rogue
/// server could ask for every time (net-imap's CVE-2026-42256). Real servers use 4096
/// (Dovecot, Cyrus, PostgreSQL) to 15 000 (MongoDB); password-storage advice stops at
/// 600 000 (OWASP 2023, PBKDF2-HMAC-SHA-256).
pub const DEFAULT_MAX_ITERATIONS: u32 = 1_000_000;

/// Random bytes in a client nonce (32 base64 characters; RFC 5802 asks for enough entropy,
/// the reference notes ≥ 18 bytes).
const NONCE_BYTES: usize = 24;

/// The hash function of a SCRAM mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScramHash {
    /// SCRAM-SHA-1 (RFC 5802).
    Sha1,
    /// SCRAM-SHA-256 (RFC 7677).
    Sha256,
}

impl ScramHash {
    /// The mechanism's name, with `-PLUS` for channel binding: `SCRAM-SHA-256-PLUS`…
    pub fn mechanism(self, plus: bool) -> &'static str {
        match (self, plus) {
            (ScramHash::Sha1, false) => "SCRAM-SHA-1",
            (ScramHash::Sha1, true) => "SCRAM-SHA-1-PLUS",
            (ScramHash::Sha256, false) => "SCRAM-SHA-256",
            (ScramHash::Sha256, true) => "SCRAM-SHA-256-PLUS",
        }
    }

    /// The hash of a SCRAM mechanism name (any case), and whether it is a `-PLUS` one.
    ///
    /// ```
    /// use imaplib_proto::auth::ScramHash;
    /// assert_eq!(ScramHash::from_mechanism("scram-sha-256-plus"), Some((ScramHash::Sha256, true)));
    /// assert_eq!(ScramHash::from_mechanism("PLAIN"), None);
    /// ```
    pub fn from_mechanism(name: &str) -> Option<(ScramHash, bool)> {
        [ScramHash::Sha256, ScramHash::Sha1]
            .into_iter()
            .flat_map(|h| [(h, false), (h, true)])
            .find(|(h, plus)| h.mechanism(*plus).eq_ignore_ascii_case(name))
    }

    /// `Hi(password, salt, i)`: PBKDF2 with HMAC-H, one block (RFC 5802 §2.2).
    fn hi(self, password: &[u8], salt: &[u8], iterations: u32) -> Option<Vec<u8>> {
        fn run<M>(password: &[u8], salt: &[u8], iterations: u32, len: usize) -> Option<Vec<u8>>
        where
            M: hmac::digest::KeyInit
                + hmac::digest::Update
                + hmac::digest::FixedOutput
                + Clone
                + Sync,
        {
            let mut out = vec![0; len];
            pbkdf2::pbkdf2::<M>(password, salt, iterations, &mut out).ok()?;
            Some(out)
        }
        match self {
            ScramHash::Sha1 => run::<Hmac<Sha1>>(password, salt, iterations, 20),
            ScramHash::Sha256 => run::<Hmac<Sha256>>(password, salt, iterations, 32),
        }
    }

    /// `HMAC(key, data)`.
    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC takes keys of any length: this cannot fail.
            match <M as hmac::digest::KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    mac.update(data);
                    mac.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            ScramHash::Sha1 => run::<Hmac<Sha1>>(key, data),
            ScramHash::Sha256 => run::<Hmac<Sha256>>(key, data),
        }
    }

    /// `HMAC(key, data) == tag`, in constant time.
    fn verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
            match <M as hmac::digest::KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    mac.update(data);
                    mac.verify_slice(tag).is_ok()
                }
                Err(_) => false,
            }
        }
        match self {
            ScramHash::Sha1 => run::<Hmac<Sha1>>(key, data, tag),
            ScramHash::Sha256 => run::<Hmac<Sha256>>(key, data, tag),
        }
    }

    /// `H(data)`.
    fn h(self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha1 => Sha1::digest(data).to_vec(),
            ScramHash::Sha256 => Sha256::digest(data).to_vec(),
        }
    }
}

/// When SCRAM binds the exchange to the TLS session (RFC 5802 §6).
///
/// Binding proves that the server the client authenticates to is the one at the other end
/// of its TLS session: a man in the middle with a certificate the client wrongly trusted
/// cannot relay the exchange. The `-PLUS` mechanisms bind; the others tell the server,
/// with the GS2 flag, whether the client could have (`y`) or not (`n`), so that a server
/// that offers `-PLUS` detects a man in the middle who removed it from its capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ChannelBindingPolicy {
    /// Bind whenever possible, and never downgrade silently (the default). A `-PLUS`
    /// mechanism binds with the connection's data (`tls-exporter` before
    /// `tls-server-end-point`). Without `-PLUS`: on a connection that can bind, the flag
    /// is `y`, and asking for it while the server offers a `-PLUS` variant is refused
    /// ([`SaslFailure::Downgrade`]); elsewhere the flag is `n`.
    #[default]
    Prefer,
    /// Authenticate only with a `-PLUS` mechanism and channel binding; anything else is
    /// refused before a byte is sent.
    Require,
    /// Never bind: the flag is always `n`, as a client without channel-binding support
    /// sends. The server cannot detect a stripped `-PLUS`: use it for servers whose
    /// channel binding is broken, or behind a TLS-terminating proxy.
    Disable,
}

/// SCRAM-SHA-1 or SCRAM-SHA-256 (RFC 5802, RFC 7677), with or without channel binding.
///
/// The exchange, one [`step`](Authenticator::step) per challenge:
///
/// 1. client-first: the GS2 header (`n,,`, `y,,` or `p=<type>,,`, see
///    [`ChannelBindingPolicy`]), the user name and a random nonce from the operating
///    system's CSPRNG;
/// 2. the server-first message is checked before anything is computed — no unknown
///    mandatory extension (`m=`), the server's nonce extends the client's, the salt is
///    base64, the iteration count is a number within bounds
///    ([`DEFAULT_MIN_ITERATIONS`]..=[`DEFAULT_MAX_ITERATIONS`] unless
///    [`with_iterations`](Scram::with_iterations) says otherwise) — then client-final with
///    the proof;
/// 3. the server-final message must carry the server's signature (`v=`), compared in
///    constant time, and the client answers with an empty line; an `e=` error is reported.
///
/// The nonce is drawn when the authenticator is made ([`getrandom`](https://docs.rs/getrandom),
/// the operating system's generator), not by the [`Connection`](crate::Connection), which
/// stays deterministic; [`with_nonce`](Scram::with_nonce) fixes it for test vectors.
///
/// Every failure cancels the exchange (`*`) and becomes the command's error, with a
/// [`Reason::Sasl`] saying what went wrong — even when the server answers `OK`: a server
/// that did not prove it knows the password has not authenticated, and the connection is
/// then failed as well.
///
/// Credentials are prepared with SASLprep (RFC 4013, the `stringprep` crate): ASCII
/// without control characters passes unchanged; other text is mapped (non-ASCII spaces to
/// space, soft hyphens and the like removed) and normalized (NFKC); control characters,
/// private-use, unassigned and non-character code points, and mixed-direction text are
/// refused ([`ArgumentProblem::SaslPrep`]). The user name is prepared as a stored string
/// too (RFC 5802 would allow unassigned code points in it), then `,` and `=` are escaped.
///
/// ```
/// use imaplib_proto::auth::Scram;
/// use imaplib_proto::Authenticator;
///
/// // RFC 7677's example exchange (a fixed nonce; `Scram::sha256` draws a random one).
/// let mut scram = Scram::sha256("user", "pencil")?.with_nonce("rOprNGfwEbeRWgbNEkqO")?;
/// assert_eq!(scram.step(b"").unwrap(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
/// let first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
/// assert_eq!(
///     scram.step(first).unwrap(),
///     b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
/// );
/// assert_eq!(scram.step(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").unwrap(), b"");
/// assert!(scram.finish(true).is_ok());
/// assert!(!format!("{scram:?}").contains("pencil"));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub struct Scram {
    hash: ScramHash,
    /// The prepared user name, `,` and `=` escaped.
    user: String,
    /// The prepared authorization identity, escaped.
    authzid: Option<String>,
    /// The prepared password.
    password: Vec<u8>,
    nonce: String,
    policy: ChannelBindingPolicy,
    binding_type: Option<ChannelBindingType>,
    iterations: (u32, u32),
    /// The GS2 header and the channel-binding data, set by `start`.
    gs2: Gs2,
    state: State,
}

/// What goes before the client-first-message-bare, and into `c=`.
#[derive(Clone, PartialEq, Eq)]
struct Gs2 {
    /// The channel-binding flag, `n`, `y` or `p=<type>`.
    flag: String,
    /// The channel-binding data (for `p=` only).
    cbind: Vec<u8>,
}

/// Where the exchange is.
enum State {
    /// Nothing sent yet.
    Initial,
    /// client-first sent.
    SentFirst {
        /// client-first-message-bare, for the AuthMessage.
        bare: String,
    },
    /// client-final sent: the server's signature is due.
    SentFinal {
        server_key: Vec<u8>,
        auth_message: Vec<u8>,
    },
    /// The server proved itself.
    Verified,
    /// The exchange failed with this error.
    Failed(Error),
}

impl Scram {
    /// SCRAM with `hash` for this user and password, prepared with SASLprep; draws the
    /// client nonce from the operating system.
    pub fn new(hash: ScramHash, user: &str, password: &str) -> Result<Self> {
        let user = prepare("the user name", user, true)?;
        if user.is_empty() {
            return Err(Error::error(
                Reason::argument("the user name", ArgumentProblem::Empty),
                "the SCRAM user name is empty",
            ));
        }
        let password = prepare("the password", password, false)?.into_bytes();
        Ok(Scram {
            hash,
            user: saslname(&user),
            authzid: None,
            password,
            nonce: random_nonce()?,
            policy: ChannelBindingPolicy::default(),
            binding_type: None,
            iterations: (DEFAULT_MIN_ITERATIONS, DEFAULT_MAX_ITERATIONS),
            gs2: Gs2::none(),
            state: State::Initial,
        })
    }

    /// SCRAM-SHA-1 (or SCRAM-SHA-1-PLUS) for this user and password.
    pub fn sha1(user: &str, password: &str) -> Result<Self> {
        Self::new(ScramHash::Sha1, user, password)
    }

    /// SCRAM-SHA-256 (or SCRAM-SHA-256-PLUS) for this user and password.
    pub fn sha256(user: &str, password: &str) -> Result<Self> {
        Self::new(ScramHash::Sha256, user, password)
    }

    /// Acts as `authzid` (the GS2 `a=`), e.g. a Dovecot master user logging in as
    /// another user. Prepared and escaped as the user name.
    pub fn with_authzid(mut self, authzid: &str) -> Result<Self> {
        let authzid = prepare("the authorization identity", authzid, true)?;
        self.authzid = (!authzid.is_empty()).then(|| saslname(&authzid));
        Ok(self)
    }

    /// The channel-binding policy (default [`ChannelBindingPolicy::Prefer`]).
    pub fn with_channel_binding(mut self, policy: ChannelBindingPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Binds with this type only (default: `tls-exporter` when the connection has it,
    /// else `tls-server-end-point`). IMAP cannot tell which types a server supports: set
    /// this when a server expects `tls-server-end-point` on TLS 1.3.
    pub fn with_channel_binding_type(mut self, kind: ChannelBindingType) -> Self {
        self.binding_type = Some(kind);
        self
    }

    /// Accepts iteration counts in `min..=max` only (at least 1 whatever `min` says).
    /// Default [`DEFAULT_MIN_ITERATIONS`]..=[`DEFAULT_MAX_ITERATIONS`]; lower the minimum
    /// for a server with a weaker stored secret, if you must.
    pub fn with_iterations(mut self, min: u32, max: u32) -> Self {
        self.iterations = (min.max(1), max);
        self
    }

    /// Uses this client nonce instead of a random one — for tests and test vectors only:
    /// a nonce must never repeat. Printable ASCII without `,`, not empty.
    pub fn with_nonce(mut self, nonce: &str) -> Result<Self> {
        if !valid_nonce(nonce.as_bytes()) {
            return Err(Error::error(
                Reason::argument("the SCRAM nonce", ArgumentProblem::NotAllowed),
                "a SCRAM nonce is printable ASCII without ',', and not empty",
            ));
        }
        self.nonce = nonce.to_string();
        Ok(self)
    }

    /// The hash this authenticator uses.
    pub fn hash(&self) -> ScramHash {
        self.hash
    }

    /// The best SCRAM mechanism for a server advertising `capabilities`, over a connection
    /// whose TLS session has `binding` (`None` without TLS), under `policy`: the `-PLUS`
    /// ones first when the connection can bind (SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS),
    /// then SCRAM-SHA-256 and SCRAM-SHA-1 unless binding is required. `None` when the
    /// server offers none of them.
    ///
    /// ```
    /// use imaplib_proto::auth::{ChannelBinding, ChannelBindingPolicy, ChannelBindingType, Scram, ScramHash};
    /// let caps: Vec<String> = ["IMAP4REV1", "AUTH=SCRAM-SHA-1", "AUTH=SCRAM-SHA-256", "AUTH=SCRAM-SHA-1-PLUS"]
    ///     .map(String::from).into();
    /// let tls = ChannelBinding::new().with(ChannelBindingType::TlsExporter, [0; 32]);
    /// let prefer = ChannelBindingPolicy::Prefer;
    /// assert_eq!(Scram::choose(&caps, Some(&tls), prefer), Some((ScramHash::Sha1, true)));
    /// assert_eq!(Scram::choose(&caps, None, prefer), Some((ScramHash::Sha256, false)));
    /// ```
    pub fn choose(
        capabilities: &[String],
        binding: Option<&ChannelBinding>,
        policy: ChannelBindingPolicy,
    ) -> Option<(ScramHash, bool)> {
        let ctx = AuthContext::new("", capabilities);
        let can_bind = binding.is_some_and(|b| !b.is_empty());
        let plus = can_bind && policy != ChannelBindingPolicy::Disable;
        let plain = policy != ChannelBindingPolicy::Require;
        [
            (ScramHash::Sha256, true),
            (ScramHash::Sha1, true),
            (ScramHash::Sha256, false),
            (ScramHash::Sha1, false),
        ]
        .into_iter()
        .filter(|(_, p)| if *p { plus } else { plain })
        .find(|(h, p)| ctx.offers(h.mechanism(*p)))
    }

    fn client_first(&mut self) -> Vec<u8> {
        let bare = format!("n={},r={}", self.user, self.nonce);
        let out = format!("{}{bare}", self.gs2_header());
        self.state = State::SentFirst { bare };
        out.into_bytes()
    }

    fn gs2_header(&self) -> String {
        match &self.authzid {
            Some(a) => format!("{},a={a},", self.gs2.flag),
            None => format!("{},,", self.gs2.flag),
        }
    }

    /// Checks server-first and answers with client-final.
    fn client_final(&mut self, bare: String, message: &[u8]) -> Result<Vec<u8>> {
        let first = ServerFirst::parse(message, &self.nonce, self.iterations)?;
        let mut cbind_input = self.gs2_header().into_bytes();
        cbind_input.extend_from_slice(&self.gs2.cbind);
        let without_proof = format!("c={},r={}", B64.encode(&cbind_input), first.nonce);
        let mut auth_message = bare.into_bytes();
        auth_message.push(b',');
        auth_message.extend_from_slice(message);
        auth_message.push(b',');
        auth_message.extend_from_slice(without_proof.as_bytes());

        let h = self.hash;
        let salted = h
            .hi(&self.password, &first.salt, first.iterations)
            .ok_or_else(|| malformed("the key derivation failed", message))?;
        let client_key = h.hmac(&salted, b"Client Key");
        let client_signature = h.hmac(&h.h(&client_key), &auth_message);
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = h.hmac(&salted, b"Server Key");
        self.state = State::SentFinal {
            server_key,
            auth_message,
        };
        Ok(format!("{without_proof},p={}", B64.encode(proof)).into_bytes())
    }

    /// Checks server-final; the answer to it is an empty line.
    fn check_final(&self, server_key: &[u8], auth_message: &[u8], message: &[u8]) -> Result<()> {
        let first = message.split(|b| *b == b',').next().unwrap_or_default();
        if let Some(value) = first.strip_prefix(b"e=") {
            let value = String::from_utf8_lossy(value).into_owned();
            return Err(sasl(
                SaslFailure::ServerError {
                    value: value.clone(),
                },
                format!("SCRAM authentication failed: the server reported {value:?}"),
            ));
        }
        let Some(signature) = first.strip_prefix(b"v=") else {
            return Err(malformed(
                "the server-final-message holds neither v= nor e=",
                message,
            ));
        };
        match B64.decode(signature) {
            Ok(sig) if self.hash.verify(server_key, auth_message, &sig) => Ok(()),
            _ => Err(sasl(
                SaslFailure::ServerSignature,
                "SCRAM server signature does not match: the server does not know the \
                 password, or the exchange was tampered with; login refused",
            )),
        }
    }
}

impl Gs2 {
    fn none() -> Self {
        Gs2 {
            flag: "n".into(),
            cbind: Vec::new(),
        }
    }
}

impl Authenticator for Scram {
    fn has_initial_response(&self) -> bool {
        true
    }

    fn start(&mut self, ctx: &AuthContext<'_>) -> Result<()> {
        let mechanism = ctx.mechanism();
        let Some((hash, plus)) = ScramHash::from_mechanism(mechanism) else {
            return Err(Error::error(
                Reason::argument("the SASL mechanism", ArgumentProblem::NotAllowed),
                format!("{mechanism} is not a SCRAM mechanism"),
            ));
        };
        if hash != self.hash {
            return Err(Error::error(
                Reason::argument("the SASL mechanism", ArgumentProblem::NotAllowed),
                format!(
                    "{mechanism} asked of a {} authenticator",
                    self.hash.mechanism(false)
                ),
            ));
        }
        let binding = match self.policy {
            ChannelBindingPolicy::Disable => None,
            _ => ctx
                .channel_binding()
                .and_then(|cb| match self.binding_type {
                    Some(t) => cb.get(t).map(|d| (t, d)),
                    None => cb.preferred(),
                }),
        };
        self.gs2 = if plus {
            let Some((kind, data)) = binding else {
                let why = match (self.policy, self.binding_type) {
                    (ChannelBindingPolicy::Disable, _) => "channel binding is disabled".into(),
                    (_, Some(t)) => format!("the connection has no {t} channel-binding data"),
                    _ => "the connection has no channel-binding data (not TLS, or a TLS \
                          session that exports none)"
                        .into(),
                };
                return Err(sasl(
                    SaslFailure::ChannelBindingUnavailable,
                    format!("{mechanism} needs channel binding: {why}"),
                ));
            };
            Gs2 {
                flag: format!("p={}", kind.name()),
                cbind: data.to_vec(),
            }
        } else if self.policy == ChannelBindingPolicy::Require {
            return Err(sasl(
                SaslFailure::ChannelBindingUnavailable,
                format!(
                    "channel binding is required and {mechanism} has none: use {}",
                    hash.mechanism(true)
                ),
            ));
        } else if binding.is_some() {
            let offered = [hash, ScramHash::Sha256, ScramHash::Sha1]
                .into_iter()
                .map(|h| h.mechanism(true))
                .find(|m| ctx.offers(m));
            if let Some(offered) = offered {
                return Err(sasl(
                    SaslFailure::Downgrade {
                        offered: offered.to_string(),
                    },
                    format!(
                        "refusing {mechanism} without channel binding: the server offers \
                         {offered} and this connection can bind (a man in the middle may \
                         have removed it otherwise); use {offered}, or disable channel \
                         binding explicitly"
                    ),
                ));
            }
            Gs2 {
                flag: "y".into(),
                cbind: Vec::new(),
            }
        } else {
            Gs2::none()
        };
        self.state = State::Initial;
        Ok(())
    }

    fn step(&mut self, challenge: &[u8]) -> Option<Vec<u8>> {
        let result = match std::mem::replace(&mut self.state, State::Initial) {
            // The first challenge is empty (no SASL-IR); whatever it holds, the client
            // speaks first in SCRAM.
            State::Initial => Ok(self.client_first()),
            State::SentFirst { bare } => self.client_final(bare, challenge),
            State::SentFinal {
                server_key,
                auth_message,
            } => self
                .check_final(&server_key, &auth_message, challenge)
                .map(|()| {
                    self.state = State::Verified;
                    Vec::new()
                }),
            State::Verified => Err(malformed(
                "a challenge after the server-final-message",
                challenge,
            )),
            State::Failed(e) => Err(e),
        };
        match result {
            Ok(out) => Some(out),
            Err(e) => {
                self.state = State::Failed(e);
                None
            }
        }
    }

    fn finish(&mut self, ok: bool) -> Result<()> {
        match &self.state {
            State::Failed(e) => Err(e.clone()),
            State::Verified => Ok(()),
            _ if ok => {
                let e = sasl(
                    SaslFailure::MissingServerSignature,
                    "the server accepted the SCRAM login without proving that it knows the \
                     password (no server signature): login refused",
                );
                self.state = State::Failed(e.clone());
                Err(e)
            }
            // A refusal (a wrong password): the server's answer stands.
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Scram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Initial => "initial",
            State::SentFirst { .. } => "sent client-first",
            State::SentFinal { .. } => "sent client-final",
            State::Verified => "verified",
            State::Failed(_) => "failed",
        };
        f.debug_struct("Scram")
            .field("mechanism", &self.hash.mechanism(false))
            .field("user", &self.user)
            .field("authzid", &self.authzid)
            .field("password", &"<redacted>")
            .field("policy", &self.policy)
            .field("channel_binding", &self.gs2.flag)
            .field("state", &state)
            .finish()
    }
}

/// The parts of a server-first-message, checked.
struct ServerFirst<'a> {
    nonce: &'a str,
    salt: Vec<u8>,
    iterations: u32,
}

impl<'a> ServerFirst<'a> {
    /// `[m=…,]r=c-nonce s-nonce,s=salt,i=count[,extensions]`, checked against the client
    /// nonce and the iteration bounds before any work is done.
    fn parse(message: &'a [u8], client_nonce: &str, (min, max): (u32, u32)) -> Result<Self> {
        let text = std::str::from_utf8(message)
            .map_err(|_| malformed("the server-first-message is not UTF-8", message))?;
        let mut attrs = text.split(',');
        let mut next = |name: &str, what: &'static str| match attrs.next() {
            Some(a) if a.starts_with(name) => Ok(&a[name.len()..]),
            _ => Err(malformed(what, message)),
        };
        let first = text.split(',').next().unwrap_or_default();
        if first.starts_with("m=") {
            return Err(sasl(
                SaslFailure::MandatoryExtension,
                "the server requires a SCRAM extension (m=) this client does not know",
            )
            .with_bytes(message));
        }
        if let Some(value) = first.strip_prefix("e=") {
            return Err(sasl(
                SaslFailure::ServerError {
                    value: value.to_string(),
                },
                format!("SCRAM authentication failed: the server reported {value:?}"),
            ));
        }
        let nonce = next("r=", "the server-first-message does not start with r=")?;
        if !valid_nonce(nonce.as_bytes()) {
            return Err(malformed(
                "the server nonce holds non-printable bytes",
                message,
            ));
        }
        if !nonce.starts_with(client_nonce) || nonce.len() == client_nonce.len() {
            return Err(sasl(
                SaslFailure::NonceMismatch,
                "the server's SCRAM nonce does not extend the client's: exchange cancelled",
            )
            .with_bytes(message));
        }
        let salt = next("s=", "the server-first-message has no s= after r=")?;
        let salt = match B64.decode(salt) {
            Ok(salt) if !salt.is_empty() => salt,
            Ok(_) => return Err(malformed("the salt is empty", message)),
            Err(_) => return Err(malformed("the salt is not base64", message)),
        };
        let count = next("i=", "the server-first-message has no i= after s=")?;
        if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed("the iteration count is not a number", message));
        }
        // Only digits: the parse fails on overflow alone.
        let value = count.parse::<u64>().unwrap_or(u64::MAX);
        if value < u64::from(min) || value > u64::from(max) {
            let bound = if value < u64::from(min) {
                format!("fewer than {min}")
            } else {
                format!("more than {max}")
            };
            return Err(sasl(
                SaslFailure::IterationCount { value, min, max },
                format!("the server asks for {value} SCRAM iterations, {bound}: refused"),
            )
            .with_bytes(message));
        }
        // Extensions after i= are optional and ignored (RFC 5802 §5.1).
        Ok(ServerFirst {
            nonce,
            salt,
            iterations: value as u32,
        })
    }
}

fn sasl(failure: SaslFailure, message: impl Into<String>) -> Error {
    Error::error(Reason::Sasl(failure), message)
}

fn malformed(what: &'static str, message: &[u8]) -> Error {
    sasl(
        SaslFailure::Malformed { what },
        format!("malformed SCRAM message from the server: {what}"),
    )
    .with_bytes(message)
}

/// A nonce: printable ASCII except `,` (RFC 5802 §7), at least one character.
fn valid_nonce(nonce: &[u8]) -> bool {
    !nonce.is_empty()
        && nonce
            .iter()
            .all(|&b| (0x21..=0x7E).contains(&b) && b != b',')
}

/// `saslname`: `,` as `=2C`, `=` as `=3D` (RFC 5802 §5.1).
fn saslname(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

/// SASLprep (RFC 4013, as a stored string). The password's error never says which
/// character was refused.
fn prepare(what: &'static str, text: &str, show: bool) -> Result<String> {
    match stringprep::saslprep(text) {
        Ok(prepared) => Ok(prepared.into_owned()),
        Err(e) => {
            let why = if show {
                e.to_string()
            } else {
                "a prohibited character, or mixed-direction text".into()
            };
            Err(Error::error(
                Reason::argument(what, ArgumentProblem::SaslPrep),
                format!("{what} cannot be prepared with SASLprep (RFC 4013): {why}"),
            ))
        }
    }
}

/// A fresh client nonce: random bytes from the operating system, in base64 (which has no
/// `,`).
fn random_nonce() -> Result<String> {
    let mut bytes = [0u8; NONCE_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        sasl(
            SaslFailure::Random,
            format!("no random bytes for the SCRAM nonce: {e}"),
        )
    })?;
    Ok(B64.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1_FIRST: &[u8] =
        b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";

    fn rfc5802() -> Scram {
        Scram::sha1("user", "pencil")
            .unwrap()
            .with_nonce("fyko+d2lbbFgONRv9qkxdawL")
            .unwrap()
    }

    #[test]
    fn rfc_5802_vector() {
        let mut s = rfc5802();
        assert_eq!(
            s.step(b"").unwrap(),
            b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
        );
        assert_eq!(
            s.step(SHA1_FIRST).unwrap(),
            b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        assert_eq!(s.step(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").unwrap(), b"");
        assert!(s.finish(true).is_ok());
        // Nothing more is expected.
        assert_eq!(s.step(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="), None);
        assert!(s.finish(true).is_err());
    }

    #[test]
    fn salted_password_matches_the_reference() {
        let salt = B64.decode("QSXCR+Q6sek8bf92").unwrap();
        let sp = ScramHash::Sha1.hi(b"pencil", &salt, 4096).unwrap();
        let hex: String = sp.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d");
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let sp = ScramHash::Sha256.hi(b"pencil", &salt, 4096).unwrap();
        let hex: String = sp.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "c4a49510323ab4f952cac1fa99441939e78ea74d6be81ddf7096e87513dc615d"
        );
    }

    fn failure_of(server_first: &[u8]) -> Error {
        let mut s = rfc5802();
        s.step(b"").unwrap();
        assert_eq!(s.step(server_first), None, "must cancel");
        // A NO or BAD after the cancel: the client's reason stands.
        s.finish(false).unwrap_err()
    }

    fn sasl_reason(e: &Error) -> &SaslFailure {
        match e.reason() {
            Reason::Sasl(f) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn server_first_checks() {
        let e = failure_of(b"r=someone-else,s=QSXCR+Q6sek8bf92,i=4096");
        assert_eq!(sasl_reason(&e), &SaslFailure::NonceMismatch);
        // The server must add to the nonce.
        let e = failure_of(b"r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096");
        assert_eq!(sasl_reason(&e), &SaslFailure::NonceMismatch);
        let e = failure_of(b"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1000001");
        assert_eq!(
            sasl_reason(&e),
            &SaslFailure::IterationCount {
                value: 1_000_001,
                min: 4096,
                max: 1_000_000
            }
        );
        assert!(e.to_string().contains("1000001"), "{e}");
        let e =
            failure_of(b"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=99999999999999999999999");
        assert!(matches!(
            sasl_reason(&e),
            SaslFailure::IterationCount {
                value: u64::MAX,
                ..
            }
        ));
        let e = failure_of(b"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4095");
        assert!(matches!(
            sasl_reason(&e),
            SaslFailure::IterationCount { value: 4095, .. }
        ));
        for (bad, what) in [
            (
                &b"r=fyko+d2lbbFgONRv9qkxdawLx,s=***,i=4096"[..],
                "the salt is not base64",
            ),
            (
                b"r=fyko+d2lbbFgONRv9qkxdawLx,s=,i=4096",
                "the salt is empty",
            ),
            (
                b"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=-1",
                "the iteration count is not a number",
            ),
            (
                b"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=",
                "the iteration count is not a number",
            ),
            (
                b"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92",
                "the server-first-message has no i= after s=",
            ),
            (
                b"r=fyko+d2lbbFgONRv9qkxdawLx,i=4096,s=QSXCR+Q6sek8bf92",
                "the server-first-message has no s= after r=",
            ),
            (
                b"s=QSXCR+Q6sek8bf92,r=fyko+d2lbbFgONRv9qkxdawLx,i=4096",
                "the server-first-message does not start with r=",
            ),
            (b"", "the server-first-message does not start with r="),
            (
                b"r=fyko+d2lbbFgONRv9qkxdawL\x01,s=QSXCR+Q6sek8bf92,i=4096",
                "the server nonce holds non-printable bytes",
            ),
            (
                b"r=\xff\xfe,s=x,i=1",
                "the server-first-message is not UTF-8",
            ),
        ] {
            let e = failure_of(bad);
            assert_eq!(sasl_reason(&e), &SaslFailure::Malformed { what }, "{e}");
            assert_eq!(e.bytes(), Some(bad), "the server's bytes are kept");
        }
        let e = failure_of(b"m=must-know,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096");
        assert_eq!(sasl_reason(&e), &SaslFailure::MandatoryExtension);
        let e = failure_of(b"e=unknown-user");
        assert_eq!(
            sasl_reason(&e),
            &SaslFailure::ServerError {
                value: "unknown-user".into()
            }
        );
        assert_eq!(e.cause(), crate::Cause::Server);
        // Extensions after i= are ignored.
        let mut s = rfc5802();
        s.step(b"").unwrap();
        assert!(s.step(&[SHA1_FIRST, b",x=ext"].concat()).is_some());
    }

    #[test]
    fn server_final_checks() {
        let at_final = || {
            let mut s = rfc5802();
            s.step(b"").unwrap();
            s.step(SHA1_FIRST).unwrap();
            s
        };
        for bad in [
            &b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ"[..], // unpadded
            b"v=AmF9pqV8S7suAoZWja4dJRkFsKQ=",     // one bit off
            b"v=",
            b"v=!!!",
        ] {
            let mut s = at_final();
            assert_eq!(s.step(bad), None);
            let e = s.finish(true).unwrap_err();
            assert_eq!(sasl_reason(&e), &SaslFailure::ServerSignature);
        }
        let mut s = at_final();
        assert_eq!(s.step(b"e=invalid-proof"), None);
        let e = s.finish(false).unwrap_err();
        assert_eq!(
            sasl_reason(&e),
            &SaslFailure::ServerError {
                value: "invalid-proof".into()
            }
        );
        assert!(e.to_string().contains("invalid-proof"));
        let mut s = at_final();
        assert_eq!(s.step(b"x=1"), None);
        assert!(matches!(
            sasl_reason(&s.finish(true).unwrap_err()),
            SaslFailure::Malformed { .. }
        ));
        // OK without a server signature: failed.
        let mut s = at_final();
        let e = s.finish(true).unwrap_err();
        assert_eq!(sasl_reason(&e), &SaslFailure::MissingServerSignature);
        // NO without one: the server's refusal stands.
        assert!(at_final().finish(false).is_ok());
        assert_eq!(e.cause(), crate::Cause::Sasl);
    }

    #[test]
    fn credentials_are_prepared() {
        // RFC 4013's examples: soft hyphen removed, NFKC, controls refused.
        let mut s = Scram::sha256("I\u{AD}X", "\u{2168}")
            .unwrap()
            .with_nonce("abc")
            .unwrap();
        assert_eq!(s.step(b"").unwrap(), b"n,,n=IX,r=abc");
        assert_eq!(s.password, b"IX");
        let e = Scram::sha256("user", "s3cr\u{7}t").unwrap_err();
        assert_eq!(
            e.reason(),
            &Reason::argument("the password", ArgumentProblem::SaslPrep)
        );
        assert!(!format!("{e} {e:?}").contains("s3cr"), "{e}");
        assert!(Scram::sha256("\u{7}", "x").is_err());
        // Mixed right-to-left and left-to-right text.
        assert!(Scram::sha256("user", "\u{627}1").is_err());
        assert!(Scram::sha256("", "x").is_err());
        // `,` and `=` are escaped in the user name and the authzid.
        let mut s = Scram::sha1("a,b=c", "x")
            .unwrap()
            .with_authzid("admin=1,")
            .unwrap()
            .with_nonce("n")
            .unwrap();
        assert_eq!(s.step(b"").unwrap(), b"n,a=admin=3D1=2C,n=a=2Cb=3Dc,r=n");
        assert!(Scram::sha1("u", "p").unwrap().with_nonce("a,b").is_err());
        assert!(Scram::sha1("u", "p").unwrap().with_nonce("").is_err());
    }

    #[test]
    fn nonces_are_random() {
        let a = Scram::sha256("u", "p").unwrap().nonce;
        let b = Scram::sha256("u", "p").unwrap().nonce;
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(valid_nonce(a.as_bytes()));
    }

    fn caps(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mechanisms_and_policies() {
        let tls = ChannelBinding::new().with(ChannelBindingType::TlsExporter, [9u8; 32]);
        let plus = caps(&["AUTH=SCRAM-SHA-256", "AUTH=SCRAM-SHA-256-PLUS"]);
        let plain = caps(&["AUTH=SCRAM-SHA-256"]);
        let start = |s: &mut Scram, mech: &str, caps: &[String], cb: Option<&ChannelBinding>| {
            s.start(&AuthContext::new(mech, caps).with_channel_binding(cb))
        };
        let first = |s: &mut Scram| String::from_utf8(s.step(b"").unwrap()).unwrap();
        let new = || Scram::sha256("u", "p").unwrap().with_nonce("N").unwrap();

        // -PLUS binds with the preferred type.
        let mut s = new();
        start(&mut s, "SCRAM-SHA-256-PLUS", &plus, Some(&tls)).unwrap();
        assert_eq!(first(&mut s), "p=tls-exporter,,n=u,r=N");
        // Not -PLUS on a connection that can bind, the server offering none: `y`.
        let mut s = new();
        start(&mut s, "SCRAM-SHA-256", &plain, Some(&tls)).unwrap();
        assert_eq!(first(&mut s), "y,,n=u,r=N");
        // Without channel binding: `n`.
        let mut s = new();
        start(&mut s, "SCRAM-SHA-256", &plus, None).unwrap();
        assert_eq!(first(&mut s), "n,,n=u,r=N");
        // A downgrade is refused…
        let e = start(&mut new(), "SCRAM-SHA-256", &plus, Some(&tls)).unwrap_err();
        assert_eq!(
            sasl_reason(&e),
            &SaslFailure::Downgrade {
                offered: "SCRAM-SHA-256-PLUS".into()
            }
        );
        // … unless binding is disabled explicitly.
        let mut s = new().with_channel_binding(ChannelBindingPolicy::Disable);
        start(&mut s, "SCRAM-SHA-256", &plus, Some(&tls)).unwrap();
        assert_eq!(first(&mut s), "n,,n=u,r=N");
        let e = start(
            &mut new().with_channel_binding(ChannelBindingPolicy::Disable),
            "SCRAM-SHA-256-PLUS",
            &plus,
            Some(&tls),
        )
        .unwrap_err();
        assert_eq!(sasl_reason(&e), &SaslFailure::ChannelBindingUnavailable);
        // -PLUS without binding data, or without the type asked for.
        let e = start(&mut new(), "SCRAM-SHA-256-PLUS", &plus, None).unwrap_err();
        assert_eq!(sasl_reason(&e), &SaslFailure::ChannelBindingUnavailable);
        let mut s = new().with_channel_binding_type(ChannelBindingType::TlsServerEndPoint);
        let e = start(&mut s, "SCRAM-SHA-256-PLUS", &plus, Some(&tls)).unwrap_err();
        assert!(e.to_string().contains("tls-server-end-point"), "{e}");
        // Required: only -PLUS.
        let mut s = new().with_channel_binding(ChannelBindingPolicy::Require);
        assert!(start(&mut s, "SCRAM-SHA-256", &plain, Some(&tls)).is_err());
        start(&mut s, "SCRAM-SHA-256-PLUS", &plus, Some(&tls)).unwrap();
        // The mechanism must be SCRAM with this hash.
        assert!(start(&mut new(), "SCRAM-SHA-1", &plain, None).is_err());
        assert!(start(&mut new(), "PLAIN", &plain, None).is_err());

        assert_eq!(
            Scram::choose(&plus, Some(&tls), ChannelBindingPolicy::Prefer),
            Some((ScramHash::Sha256, true))
        );
        assert_eq!(
            Scram::choose(&plus, Some(&tls), ChannelBindingPolicy::Disable),
            Some((ScramHash::Sha256, false))
        );
        assert_eq!(
            Scram::choose(&plain, Some(&tls), ChannelBindingPolicy::Require),
            None
        );
        assert_eq!(
            Scram::choose(
                &plain,
                Some(&ChannelBinding::new()),
                ChannelBindingPolicy::Prefer
            ),
            Some((ScramHash::Sha256, false))
        );
        assert_eq!(
            Scram::choose(&caps(&["AUTH=PLAIN"]), None, ChannelBindingPolicy::Prefer),
            None
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let s = Scram::sha256("jane", "hunter2").unwrap();
        let d = format!("{s:?}");
        assert!(d.contains("jane") && d.contains("<redacted>"), "{d}");
        assert!(!d.contains("hunter2"), "{d}");
    }
}
