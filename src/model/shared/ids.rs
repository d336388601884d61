//! Indices of nodes and classes in the compiled model, and the class a
//! topology that declares none gets: names every concern refers to.

use serde::Serialize;

/// The class used when a topology declares none.
pub const DEFAULT_CLASS: &str = "default";

/// Index of a node in [`Model::nodes`](crate::model::Model::nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct NodeId(pub u32);

impl NodeId {
    /// As an index into per-node vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of a request class in [`Model::classes`](crate::model::Model::classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ClassId(pub u16);

impl ClassId {
    /// As an index into per-class vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
