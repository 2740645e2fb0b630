//! Typed views of server responses (in progress).
