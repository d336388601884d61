//! Placeholder.
use super::Cx;
use super::spec::CloudFormationRef;
use crate::model::topology::spec::PoolSpec;

pub fn apply(_cx: &mut Cx, _pool: &mut PoolSpec, _reference: &CloudFormationRef) {}
