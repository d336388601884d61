//! The table's lines on CPU credits: one per burstable pool (its mean
//! balance, and the time it was throttled or the surplus it was billed),
//! and the credits' share of the cost. Printed only for models with a
//! burstable pool, so other models' tables are unchanged.

use std::io::{self, Write};

use super::table::{cell, percent};
use crate::stats::Summary;

/// `credits of web (unlimited): …`, one line per burstable pool.
pub(super) fn write_credits(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    for pool in &summary.credits {
        let spent = if pool.mode == "standard" {
            format!("throttled {}% of instance-time", percent(pool.throttled))
        } else {
            format!(
                "surplus {} per instance, {} surplus credits/hour billed: ${} per hour",
                cell(pool.mean_surplus),
                cell(pool.surplus_credits_per_hour),
                cell(pool.usd_per_hour)
            )
        };
        writeln!(
            out,
            "credits of {} ({}): balance {} per instance, {spent}",
            pool.pool,
            pool.mode,
            cell(pool.mean_balance)
        )?;
    }
    Ok(())
}
