//! A stable fingerprint of what a sweep's rows are computed from: FNV-1a
//! (64 bits) over the compiled model of every point and the settings that
//! shape a row. Stable across runs, machines and Rust releases, unlike
//! `DefaultHasher`, so a partial file written yesterday can be checked
//! today. Not a defence against forgery: it tells a changed input from an
//! unchanged one.

use std::fmt::Write;

use crate::model::Model;

/// FNV-1a, 64 bits (offset basis and prime from the reference description).
#[derive(Clone, Copy, Debug)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    /// Adds `bytes`.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Adds `text` and a separator, so that ("ab", "c") and ("a", "bc") differ.
    pub fn field(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(&[0x1f]);
    }

    /// The hash so far.
    pub fn value(self) -> u64 {
        self.0
    }
}

impl Write for Fnv1a {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.bytes(text.as_bytes());
        Ok(())
    }
}

/// Adds every field of `model` as compiled (service laws, sizes, routes,
/// prices, traces' paths and totals): whatever changes a point's model
/// changes the fingerprint. The text is streamed into the hash, not built.
pub fn add_model(hash: &mut Fnv1a, model: &Model) {
    // Writing into a hash cannot fail.
    let _ = write!(hash, "{model:?}");
    hash.bytes(&[0x1e]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_fnv1a_vectors() {
        // FNV-1a 64 test vectors: "" and "a" (from the FNV reference page).
        assert_eq!(Fnv1a::default().value(), 0xcbf2_9ce4_8422_2325);
        let mut a = Fnv1a::default();
        a.bytes(b"a");
        assert_eq!(a.value(), 0xaf63_dc4c_8601_ec8c);
        let (mut ab, mut a_b) = (Fnv1a::default(), Fnv1a::default());
        ab.field("ab");
        ab.field("c");
        a_b.field("a");
        a_b.field("bc");
        assert_ne!(ab.value(), a_b.value());
    }
}
