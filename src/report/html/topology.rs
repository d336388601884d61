//! The topology as a graph: sources on the left, each node in the column
//! of its shortest distance from a source, edges by call type (balancer
//! route, synchronous call, asynchronous call, cache miss), each node
//! filled by its simulated utilization.

use std::fmt::Write;

use crate::model::{CallMode, Model, NodeId, NodeKind};
use crate::stats::Summary;

use super::escape;

const COLUMN: f64 = 170.0;
const ROW: f64 = 64.0;
const BOX_W: f64 = 124.0;
const BOX_H: f64 = 40.0;

/// How a request goes from one node to the next.
#[derive(Clone, Copy, PartialEq)]
enum Edge {
    Route,
    Sync,
    Async,
    Miss,
    Entry,
}

impl Edge {
    fn dash(self) -> &'static str {
        match self {
            Edge::Route | Edge::Sync | Edge::Entry => "",
            Edge::Async => r#" stroke-dasharray="6 4""#,
            Edge::Miss => r#" stroke-dasharray="2 3""#,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Edge::Route => "route",
            Edge::Sync => "sync call",
            Edge::Async => "async call",
            Edge::Miss => "cache miss",
            Edge::Entry => "entry",
        }
    }
}

/// Every edge of `model`, node index to node index, with its share or probability.
fn edges(model: &Model) -> Vec<(usize, usize, Edge, f64)> {
    let mut edges = Vec::new();
    for (from, node) in model.nodes.iter().enumerate() {
        match &node.kind {
            NodeKind::Balancer(lb) => {
                let mut seen: Vec<NodeId> = Vec::new();
                for &(to, _) in lb.targets_by_class.iter().flat_map(|t| &t.0) {
                    if !seen.contains(&to) {
                        seen.push(to);
                        edges.push((from, to.index(), Edge::Route, f64::NAN));
                    }
                }
            }
            NodeKind::Pool(pool) => {
                for call in &pool.calls {
                    let kind = match call.mode {
                        CallMode::Sync => Edge::Sync,
                        CallMode::Async => Edge::Async,
                    };
                    edges.push((from, call.to.index(), kind, call.probability));
                }
            }
            NodeKind::Cache(cache) => {
                if let Some(to) = cache.on_miss {
                    edges.push((from, to.index(), Edge::Miss, f64::NAN));
                }
            }
            // Consumers poll their queue: drawn as the async hop it is.
            NodeKind::Queue(queue) => {
                edges.push((from, queue.consumer.index(), Edge::Async, f64::NAN));
            }
            NodeKind::Database(_) | NodeKind::Delay(_) => {}
        }
    }
    edges
}

/// Column of each node: its distance from the nearest source's entry (1
/// for an entry; unreachable nodes go in a last column).
fn columns(model: &Model, edges: &[(usize, usize, Edge, f64)]) -> Vec<usize> {
    let mut column = vec![usize::MAX; model.nodes.len()];
    let mut frontier: Vec<usize> = model.sources.iter().map(|s| s.entry.index()).collect();
    let mut depth = 1;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for node in frontier {
            if column[node] == usize::MAX {
                column[node] = depth;
                next.extend(edges.iter().filter(|e| e.0 == node).map(|e| e.1));
            }
        }
        frontier = next;
        depth += 1;
    }
    let last = column.iter().filter(|&&c| c != usize::MAX).max().copied();
    let unreachable = last.unwrap_or(0) + 1;
    column
        .into_iter()
        .map(|c| if c == usize::MAX { unreachable } else { c })
        .collect()
}

/// Fill for a utilization: green, through yellow, to red at 1 and above.
pub fn heat(utilization: Option<f64>) -> String {
    match utilization {
        Some(u) if u.is_finite() => {
            let hue = 120.0 * (1.0 - u.clamp(0.0, 1.0));
            format!("hsl({hue:.0},70%,72%)")
        }
        _ => "#e8e8e8".to_string(),
    }
}

/// The graph as an `<svg>` element.
pub fn render(model: &Model, summary: &Summary) -> String {
    let edges = edges(model);
    let column = columns(model, &edges);
    let columns_used = column.iter().max().copied().unwrap_or(0) + 1;
    // Position of each node: (column, row in that column).
    let mut rows_in = vec![0usize; columns_used + 1];
    let place: Vec<(f64, f64)> = column
        .iter()
        .map(|&c| {
            let row = rows_in[c];
            rows_in[c] += 1;
            (20.0 + c as f64 * COLUMN, 20.0 + row as f64 * ROW)
        })
        .collect();
    let sources: Vec<(f64, f64)> = (0..model.sources.len())
        .map(|i| (20.0, 20.0 + i as f64 * ROW))
        .collect();
    let rows = rows_in.iter().chain([&model.sources.len()]).max().copied();
    let width = 20.0 + columns_used as f64 * COLUMN;
    let height = 40.0 + rows.unwrap_or(1) as f64 * ROW + 30.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg id="topology-graph" viewBox="0 0 {width} {height}" style="max-width:{width}px" role="img" aria-label="topology"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>"##
    );
    let edge_line = |svg: &mut String,
                     (x0, y0): (f64, f64),
                     (x1, y1): (f64, f64),
                     kind: Edge,
                     p: f64| {
        let (ax, ay) = (x0 + BOX_W, y0 + BOX_H / 2.0);
        let (bx, by) = (x1, y1 + BOX_H / 2.0);
        let (ax, bx) = if bx > ax {
            (ax, bx)
        } else {
            (ax - BOX_W / 2.0, bx + BOX_W / 2.0)
        };
        let label = if p.is_finite() && p < 1.0 {
            format!(" p={p}")
        } else {
            String::new()
        };
        let _ = write!(
            svg,
            r##"<path class="edge {}" d="M{ax:.0},{ay:.0}C{:.0},{ay:.0} {:.0},{by:.0} {bx:.0},{by:.0}" fill="none" stroke="#555" stroke-width="1.4"{} marker-end="url(#arrow)"><title>{}{label}</title></path>"##,
            kind.label().replace(' ', "-"),
            (ax + bx) / 2.0,
            (ax + bx) / 2.0,
            kind.dash(),
            kind.label()
        );
    };
    for (i, source) in model.sources.iter().enumerate() {
        edge_line(
            &mut svg,
            sources[i],
            place[source.entry.index()],
            Edge::Entry,
            f64::NAN,
        );
    }
    for &(from, to, kind, p) in &edges {
        edge_line(&mut svg, place[from], place[to], kind, p);
    }
    for (i, source) in model.sources.iter().enumerate() {
        let (x, y) = sources[i];
        let _ = write!(
            svg,
            r##"<g class="source"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="20" fill="#fff" stroke="#333" stroke-dasharray="3 2"/><text x="{:.0}" y="{:.0}" text-anchor="middle">{}</text><text x="{:.0}" y="{:.0}" text-anchor="middle" class="kind">source</text></g>"##,
            x + BOX_W / 2.0,
            y + 17.0,
            escape(&source.name),
            x + BOX_W / 2.0,
            y + 32.0
        );
    }
    for (i, node) in model.nodes.iter().enumerate() {
        let (x, y) = place[i];
        let estimate = summary.nodes.iter().find(|n| n.name == node.name);
        let utilization = estimate.and_then(|n| n.utilization).map(|u| u.mean);
        let shown = utilization.map_or(String::new(), |u| format!(" · {:.0}%", u * 100.0));
        let rx = match node.kind {
            NodeKind::Balancer(_) => 2,
            NodeKind::Database(_) => 12,
            _ => 6,
        };
        let _ = write!(
            svg,
            r##"<g class="node" data-node="{name}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="{rx}" fill="{}" stroke="#333"/><text x="{:.0}" y="{:.0}" text-anchor="middle">{name}</text><text x="{:.0}" y="{:.0}" text-anchor="middle" class="kind">{}{shown}</text><title>{name}: {}{shown}</title></g>"##,
            heat(utilization),
            x + BOX_W / 2.0,
            y + 17.0,
            x + BOX_W / 2.0,
            y + 32.0,
            node.kind.label(),
            node.kind.label(),
            name = escape(&node.name),
        );
    }
    let legend_y = height - 16.0;
    let _ = write!(
        svg,
        r##"<text x="20" y="{legend_y}" class="kind">solid: route or sync call · dashed: async call · dotted: cache miss · fill: utilization 0% (green) to 100% (red), grey: none</text></svg>"##
    );
    svg
}
