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

/// A scratch folder of its own for `test`.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("capsim-plot-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `capsim plot ARGS… -o OUT.svg`; the texts of the SVG (plotters
/// writes each on a line of its own), trimmed.
fn plot_texts(args: &[&str], svg: &std::path::Path) -> Vec<String> {
    let mut all = vec!["plot"];
    all.extend(args);
    all.extend(["-o", svg.to_str().unwrap()]);
    let plot = capsim(&all);
    assert_eq!(
        plot.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plot.stderr)
    );
    let text = std::fs::read_to_string(svg).unwrap();
    text.lines().map(|l| l.trim().to_string()).collect()
}

/// Series of two pools (`a` scaling from 2 to 4, `b` from 1 to 3) over two
/// replications, the first window in the warm-up, a p99 spike of 23 s over
/// a 25 ms baseline.
const SERIES: &str = "replication,time_s,warmup,arrivals_per_s,completions_per_s,errors_per_s,p50_ms,p99_ms,a.utilization,a.serving,a.desired,b.utilization,b.serving,b.desired\n\
0,0,1,100,100,0,5,25,0.5,2,2,0.4,1,1\n0,10,0,100,99,0,5,23000,0.9,2,4,0.8,1,3\n0,20,0,100,101,0,5,26,0.6,4,4,0.5,3,3\n\
1,0,1,102,102,0,5,24,0.5,2,2,0.4,1,1\n1,10,0,101,98,0,5,21000,0.9,2,4,0.8,1,3\n1,20,0,99,100,0,5,25,0.6,4,4,0.5,3,3\n";

/// The series plot: titled from the model, never the CSV's path; p99 on a
/// log axis unless `--linear`; instances per pool, never summed; the
/// warm-up shaded; replications averaged with a band, or one as asked, and
/// the title says which.
#[test]
fn the_series_plot_says_what_it_draws() {
    let dir = scratch("series");
    let csv = dir.join("series.csv");
    std::fs::write(&csv, SERIES).unwrap();
    let svg = dir.join("series.svg");
    let texts = plot_texts(
        &[
            "series",
            csv.to_str().unwrap(),
            "--model",
            "models/shop.json",
        ],
        &svg,
    );
    let has = |texts: &[String], wanted: &str| texts.iter().any(|t| t == wanted);
    assert!(
        has(&texts, "shop (mean of 2 replications, bands their 95% CI)"),
        "title from the model's name: {texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains(dir.to_str().unwrap())),
        "no path"
    );
    assert!(has(&texts, "latency, ms (log)"), "p99 on a log axis");
    for legend in [
        "a serving",
        "a desired",
        "b serving",
        "b desired",
        "warm-up",
    ] {
        assert!(has(&texts, legend), "legend `{legend}`: {texts:?}");
    }
    assert!(!texts.iter().any(|t| t.contains("all pools")), "not summed");
    // Whole decades on the log axis: 10 and 10000 ms, not 31623.
    assert!(has(&texts, "10") && has(&texts, "10000"), "{texts:?}");
    assert!(!has(&texts, "31623"));

    let texts = plot_texts(
        &[
            "series",
            csv.to_str().unwrap(),
            "--replication",
            "1",
            "--linear",
        ],
        &svg,
    );
    assert!(has(&texts, "time series (replication 1)"), "{texts:?}");
    assert!(has(&texts, "latency, ms"), "a linear axis when asked");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `lines`: the y axis fits 143–170 ms (it does not start at 0), an
/// unstable point is crossed and named in the legend but does not stretch
/// the axis, and the axis is named by the experiment's label.
#[test]
fn the_lines_plot_fits_its_data_and_crosses_unstable_points() {
    let dir = scratch("lines");
    let csv = dir.join("sweep.csv");
    std::fs::write(
        &csv,
        "point,nodes.web.pool.instances,stable,p99_ms,p99_ms_hw\n0,1,0,23456,900\n1,2,1,170.5,1.5\n2,3,1,143.5,1.5\n",
    )
    .unwrap();
    let svg = dir.join("lines.svg");
    let texts = plot_texts(
        &[
            "lines",
            csv.to_str().unwrap(),
            "--x",
            "nodes.web.pool.instances",
            "--y",
            "p99_ms",
            "--experiment",
            "experiments/shop-sizing.json",
        ],
        &svg,
    );
    let numbers: Vec<f64> = texts.iter().filter_map(|t| t.parse().ok()).collect();
    let y_ticks: Vec<f64> = numbers.iter().copied().filter(|v| *v > 10.0).collect();
    assert!(
        y_ticks.iter().all(|&v| (140.0..=175.0).contains(&v)),
        "y ticks fitted to 142–172 ms, not from 0 nor to the backlog: {y_ticks:?}"
    );
    assert!(!numbers.contains(&0.0), "no tick at 0: {numbers:?}");
    let legend = "unstable (a growing backlog; at the edge when off the axis)";
    assert_eq!(texts.iter().filter(|t| *t == legend).count(), 1);
    assert!(texts.iter().any(|t| t == "web instances"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t == "shop-sizing: p99_ms against web instances")
    );

    // Pareto: the unstable point is crossed too.
    std::fs::write(
        &csv,
        "point,nodes.web.pool.instances,stable,p99_ms,usd_per_hour\n0,1,0,23456,1\n1,2,1,170.5,2\n2,3,1,143.5,3\n",
    )
    .unwrap();
    let texts = plot_texts(&["pareto", csv.to_str().unwrap()], &svg);
    assert_eq!(texts.iter().filter(|t| *t == legend).count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
