//! The untagged-response store.

use crate::error::{Error, Limit, Reason, Result};
use crate::response::Item;

/// The untagged-response store: imaplib's `untagged_responses`, bounded.
#[derive(Debug, Default)]
pub(super) struct Store {
    pub(super) entries: Vec<(String, Vec<Item>)>,
    pub(super) bytes: usize,
    /// CAPABILITY items ever appended: tells whether a command brought fresh ones, even
    /// if the store was flushed or popped meanwhile.
    pub(super) capability_appends: u64,
}

impl Store {
    fn position(&self, typ: &str) -> Option<usize> {
        self.entries.iter().position(|(t, _)| t == typ)
    }

    pub(super) fn append(&mut self, typ: &str, item: Item, max: usize) -> Result<()> {
        let w = item.weight();
        if self.bytes + w > max {
            return Err(Error::abort(
                Reason::LimitExceeded {
                    limit: Limit::Stored,
                    value: (self.bytes + w) as u64,
                    bound: max as u64,
                },
                format!(
                    "untagged responses exceed {max} bytes; pop them with response() or raise Options::max_stored"
                ),
            ));
        }
        self.bytes += w;
        if typ == "CAPABILITY" {
            self.capability_appends += 1;
        }
        match self.position(typ) {
            Some(i) => self.entries[i].1.push(item),
            None => self.entries.push((typ.to_string(), vec![item])),
        }
        Ok(())
    }

    pub(super) fn pop(&mut self, typ: &str) -> Option<Vec<Item>> {
        let i = self.position(typ)?;
        let (_, items) = self.entries.remove(i);
        self.bytes -= items.iter().map(Item::weight).sum::<usize>();
        Some(items)
    }

    pub(super) fn get(&self, typ: &str) -> Option<&Vec<Item>> {
        self.position(typ).map(|i| &self.entries[i].1)
    }

    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}
