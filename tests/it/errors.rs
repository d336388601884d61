//! Bad topologies -> their exact messages (being written).
