//! The plots tell the truth about unstable points (issue 16).

use crate::support::capsim;

/// A sweep CSV with an unstable cheap point: crossed out and labelled, its
/// backlog figure not shown as if it were a latency, and a colour bar.
#[test]
fn the_heatmap_marks_an_unstable_cell() {
    let dir = std::env::temp_dir().join(format!("capsim-heatmap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("grid.csv");
    std::fs::write(
        &csv,
        "instances,rate,p99_ms,stable\n3,100,23456.5,0\n4,100,81.25,1\n3,50,64.5,1\n4,50,42.75,1\n",
    )
    .unwrap();
    let svg = dir.join("heat.svg");
    let plot = capsim(&[
        "plot",
        "heatmap",
        csv.to_str().unwrap(),
        "--x",
        "instances",
        "--y",
        "rate",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(
        plot.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plot.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    // plotters writes each text on a line of its own.
    let texts: Vec<&str> = text.lines().map(str::trim).collect();
    let count = |wanted: &str| texts.iter().filter(|t| **t == wanted).count();
    assert_eq!(count("unstable"), 1, "one cell says unstable");
    assert!(
        !text.contains("23456"),
        "the unstable point's backlog figure is not drawn as a value"
    );
    for value in ["81.250", "64.500", "42.750"] {
        assert_eq!(count(value), 1, "stable cell {value} is written");
    }
    // The colour bar spans the stable values only: its ticks reach 80, not 23000.
    assert_eq!(count("80.0"), 1, "a colour-bar tick at 80");
    let _ = std::fs::remove_dir_all(&dir);
}
