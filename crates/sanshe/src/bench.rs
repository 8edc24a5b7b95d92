//! `sanshe generate` (province- and national-scale data from the real divisions) and
//! `sanshe bench` (dashboard at every level and import throughput), for docs/benchmarks.md.

use anyhow::{anyhow, Context, Result};
use sanshe_app::areas::ImportOptions;
use sanshe_app::registry as reg;
use sanshe_app::{App, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .with_context(|| format!("decompressing {}", path.display()))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Keeps the header and the rows whose code starts with `prefix`.
fn filter_rows(bytes: &[u8], prefix: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.starts_with(prefix) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn find(dir: &Path, stem: &str) -> Result<std::path::PathBuf> {
    for ext in ["csv", "csv.gz"] {
        let p = dir.join(format!("{stem}.{ext}"));
        if p.exists() {
            return Ok(p);
        }
    }
    Err(anyhow!("{stem}.csv(.gz) not found in {}", dir.display()))
}

/// Loads the divisions of a province (`32` = Jiangsu) or the nation (empty prefix) with
/// synthetic populations and proportional registries, into an empty database.
pub async fn generate(app: &App, prefix: &str, divisions: &Path, seed: u64) -> Result<()> {
    let ctx = Ctx::cli();
    let t0 = Instant::now();
    // The national files hold a few placeholder rows the validator rejects (金门县's
    // 350527000 "street"); they are skipped and counted.
    let opts = ImportOptions {
        demo: true,
        only_valid: true,
        ..Default::default()
    };
    for stem in [
        "china-counties-2023",
        "china-streets-2023",
        "china-communities-2023",
    ] {
        let bytes = filter_rows(&read_maybe_gz(&find(divisions, stem)?)?, prefix);
        let r = sanshe_app::areas::import(app, &ctx, &bytes, opts)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        if !r.committed && r.total_rows > 0 {
            return Err(anyhow!(
                "{stem}: {} problems, e.g. {:?}",
                r.issues.len(),
                r.issues.first()
            ));
        }
        eprintln!("{stem}: {} areas ({:.1?})", r.inserted, t0.elapsed());
    }
    let year = sanshe_app::current_year();
    let mut tx = sanshe_app::uow::Uow::begin(app)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let refs = sanshe_store::areas::refs_within(&mut tx, None).await?;
    let streets: Vec<_> = refs
        .iter()
        .filter(|a| a.level == "street")
        .cloned()
        .collect();
    let comms: Vec<_> = refs
        .iter()
        .filter(|a| a.level == "community")
        .cloned()
        .collect();
    let mut rng = sanshe_app::generate::Rng::new(seed);
    for c in &comms {
        let residents = if c.urban {
            rng.range(3_000, 12_000)
        } else {
            rng.range(800, 4_000)
        };
        sanshe_store::areas::set_population(
            &mut tx,
            &c.code,
            &sanshe_store::areas::PopulationRow {
                year,
                residents,
                households: residents * 100 / rng.range(240, 300),
            },
        )
        .await?;
    }
    eprintln!(
        "populations: {} communities ({:.1?})",
        comms.len(),
        t0.elapsed()
    );
    let lite = prefix.is_empty();
    let opts = sanshe_app::generate::GenOptions {
        seed,
        demo: true,
        detail: false,
        lite,
    };
    let g = sanshe_app::generate::registries(app, &mut tx, &streets, &comms, opts)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    tx.commit(sanshe_app::Ctx::cli().audit_entry(
            Action::DemoRegistries,
            None,
            format!(
            "benchmark data generated: {} facilities, {} organizations, {} social workers, {} posts",
            g.facilities, g.orgs, g.workers, g.posts
        ),
            Outcome::Success,
        ))
    .await
    .map_err(|e| anyhow!("{e}"))?;
    app.db.analyze().await?;
    let t = Instant::now();
    let n = sanshe_app::targets::refresh_tallies(app)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "targets' roll-ups stored for {n} districts in {:.1?}",
        t.elapsed()
    );
    println!(
        "generated {} streets, {} communities, {} facilities, {} organizations, {} social workers, {} posts in {:.1?}",
        streets.len(),
        comms.len(),
        g.facilities,
        g.orgs,
        g.workers,
        g.posts,
        t0.elapsed()
    );
    Ok(())
}

fn stats(mut d: Vec<Duration>) -> (f64, f64, f64) {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let med = ms(d[d.len() / 2]);
    let p95 = ms(d[(d.len() * 95 / 100).min(d.len() - 1)]);
    (med, p95, ms(*d.last().unwrap_or(&Duration::ZERO)))
}

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Times the live dashboard computation for a community, a street, a district, the
/// province and the nation, then imports `import_rows` facilities from one CSV file.
pub async fn bench(app: &App, iterations: usize, import_rows: usize) -> Result<()> {
    let ctx = Ctx::cli();
    let year = sanshe_app::areas::default_year(app)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let profile = sanshe_app::targets::profile(app, year)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let mut c = app.db.acquire().await.map_err(|e| anyhow!("{e}"))?;
    let refs = sanshe_store::areas::refs_within(&mut c, None).await?;
    drop(c);
    let district = refs
        .iter()
        .find(|a| a.level == "district")
        .ok_or_else(|| anyhow!("no areas: run `sanshe demo` or `sanshe generate` first"))?
        .code
        .clone();
    let street = refs
        .iter()
        .find(|a| a.level == "street" && a.code.starts_with(&district))
        .map(|a| a.code.clone())
        .unwrap_or_default();
    let community = refs
        .iter()
        .find(|a| a.level == "community" && a.code.starts_with(&street))
        .map(|a| a.code.clone())
        .unwrap_or_default();
    let n_comms = refs.iter().filter(|a| a.level == "community").count();
    println!(
        "backend: {}; {} areas, {} communities; year {year}; {iterations} runs each",
        if app.settings.database_url.expose().starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        refs.len(),
        n_comms
    );
    // The maintained roll-ups: bring every district's stored counts up to date (on a fresh
    // database this is the first full count; afterwards only districts written since).
    let t = Instant::now();
    let stored = sanshe_app::targets::refresh_tallies(app)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "roll-ups: {stored} districts stored in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!("| level | area | communities | way | median ms | p95 ms | max ms |");
    println!("|---|---|---:|---|---:|---:|---:|");
    let levels: Vec<(&str, String, usize)> = vec![
        ("community", community.clone(), 12),
        ("street", street.clone(), 12),
        ("district", district.clone(), 9),
        ("city", district[..4].to_owned(), 6),
        ("province", district[..2].to_owned(), 4),
        ("nation", String::new(), 2),
    ];
    let mut checks = Vec::new();
    for (name, prefix, child_len) in &levels {
        let comms = refs
            .iter()
            .filter(|a| a.level == "community" && a.code.starts_with(prefix.as_str()))
            .count();
        for (way, stored) in [("live", false), ("roll-up", true)] {
            if stored && child_len > &9 {
                continue;
            }
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..iterations {
                let t = Instant::now();
                let mut c = app.db.acquire().await.map_err(|e| anyhow!("{e}"))?;
                let (total, groups) = sanshe_app::targets::counts_for(
                    &mut c, prefix, *child_len, year, &profile, stored,
                )
                .await
                .map_err(|e| anyhow!("{e}"))?;
                let results = sanshe_domain::targets::evaluate(&total, &profile);
                for g in groups.values() {
                    std::hint::black_box(sanshe_domain::targets::evaluate(g, &profile));
                }
                std::hint::black_box(results);
                times.push(t.elapsed());
                last = Some((total, groups));
            }
            checks.push((name.to_string(), way, last));
            let (med, p95, max) = stats(times);
            println!(
                "| {name} | {} | {comms} | {way} | {med:.1} | {p95:.1} | {max:.1} |",
                if prefix.is_empty() { "全国" } else { prefix }
            );
        }
    }
    // The roll-ups must equal the live counts, level by level.
    for w in checks.windows(2) {
        if let [(name, "live", Some(live)), (other, "roll-up", Some(rolled))] = w {
            if name == other && live != rolled {
                return Err(anyhow!("{name}: the roll-up differs from the live count"));
            }
        }
    }
    // One district written since the last refresh: the nation's roll-up counts it live.
    {
        let mut tx = app.db.begin().await.map_err(|e| anyhow!("{e}"))?;
        sanshe_store::tallies::mark(&mut tx, &district).await?;
        tx.commit().await?;
    }
    let mut times = Vec::new();
    for _ in 0..iterations {
        let t = Instant::now();
        let mut c = app.db.acquire().await.map_err(|e| anyhow!("{e}"))?;
        sanshe_app::targets::counts_for(&mut c, "", 2, year, &profile, true)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        times.push(t.elapsed());
    }
    let (med, p95, max) = stats(times);
    println!("| nation, one district written since | 全国 | | roll-up | {med:.1} | {p95:.1} | {max:.1} |");
    let t = Instant::now();
    sanshe_app::targets::refresh_tallies(app)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "refreshing that district: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    // The dashboard page's whole use case (area, ancestors, children, snapshots) for the district.
    let mut times = Vec::new();
    for _ in 0..iterations {
        let t = Instant::now();
        sanshe_app::targets::dashboard(app, &ctx, &district, year, true)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        times.push(t.elapsed());
    }
    let (med, p95, max) = stats(times);
    println!("| district dashboard use case | {district} | | {med:.1} | {p95:.1} | {max:.1} |");

    if import_rows > 0 {
        let comms: Vec<&str> = refs
            .iter()
            .filter(|a| a.level == "community")
            .map(|a| a.code.as_str())
            .collect();
        bench_imports(app, &ctx, import_rows, &comms).await?;
    }
    if let Some(mb) = peak_rss_mb() {
        println!();
        println!("peak resident memory of the process: {mb:.0} MB");
    }
    Ok(())
}

/// Times single saves as a district's administrator would make them through a form or the
/// API: `n` organizations created, then each edited once. A save checks only the keys it
/// touches, so its cost should not grow with the database.
pub async fn bench_writes(app: &App, n: usize) -> Result<()> {
    // The first district and one of its streets, by index (loading every area would
    // measure the harness, not the save).
    let mut c = app.db.acquire().await.map_err(|e| anyhow!("{e}"))?;
    let year = sanshe_app::current_year();
    let first = |level: &str, within: Option<String>| sanshe_store::areas::AreaFilter {
        level: Some(level.to_owned()),
        within,
        ..Default::default()
    };
    let one = sanshe_store::PageReq {
        page: 1,
        per_page: 1,
    };
    let district = sanshe_store::areas::list(
        &mut c,
        &first("district", None),
        Default::default(),
        year,
        one,
    )
    .await?
    .items
    .into_iter()
    .next()
    .ok_or_else(|| anyhow!("no areas"))?;
    let street = sanshe_store::areas::list(
        &mut c,
        &first("street", Some(district.code.clone())),
        Default::default(),
        year,
        one,
    )
    .await?
    .items
    .into_iter()
    .next()
    .ok_or_else(|| anyhow!("no street"))?
    .code;
    drop(c);
    let ctx = Ctx {
        actor: Some(sanshe_app::Actor {
            user_id: None,
            username: "bench:district".into(),
            display_name: "bench".into(),
            role: sanshe_domain::Role::DistrictAdmin,
            scope: sanshe_domain::Scope::Area {
                code: district.code.clone(),
            },
            scope_name: None,
            locale: None,
            is_cli: false,
            password_expired: false,
            must_change_password: false,
            mfa_pending: false,
            mfa_setup_required: false,
        }),
        client: Some("bench".into()),
        request_id: None,
    };
    let salt = sanshe_store::audit::now() as u64 % 100_000;
    let (mut creates, mut updates) = (Vec::new(), Vec::new());
    for i in 0..n {
        let mut m = std::collections::HashMap::new();
        m.insert("name".to_owned(), format!("基准测试社会组织{salt}-{i}"));
        m.insert(
            "credit_code".to_owned(),
            sanshe_app::generate::credit_code(
                '2',
                &district.code,
                9_000_000 + salt * 1000 + i as u64,
            ),
        );
        m.insert("area".to_owned(), street.clone());
        let cells = reg::cells_from_map::<sanshe_app::orgs::Orgs>(&m);
        let t = Instant::now();
        let id = reg::create::<sanshe_app::orgs::Orgs>(app, &ctx, &cells)
            .await
            .map_err(|e| anyhow!("create: {e}"))?;
        creates.push(t.elapsed());
        m.insert(
            "name".to_owned(),
            format!("基准测试社会组织{salt}-{i}（改）"),
        );
        let cells = reg::cells_from_map::<sanshe_app::orgs::Orgs>(&m);
        let t = Instant::now();
        reg::update::<sanshe_app::orgs::Orgs>(app, &ctx, id, &cells)
            .await
            .map_err(|e| anyhow!("update: {e}"))?;
        updates.push(t.elapsed());
    }
    println!("| single save (district administrator) | median ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|");
    for (name, d) in [
        ("organization create", creates),
        ("organization edit", updates),
    ] {
        let (med, p95, max) = stats(d);
        println!("| {name} | {med:.1} | {p95:.1} | {max:.1} |");
    }
    println!(
        "peak resident memory: {:.0} MB",
        peak_rss_mb().unwrap_or(0.0)
    );
    Ok(())
}

/// Imports `rows` generated rows into each of the three registries people keep in
/// spreadsheets, each beside the database's own loader reading the same file into a plain
/// table (`sqlite3 .import`, or `\\copy` through `psql` on PostgreSQL; skipped when that
/// program is not installed). Peak memory is the process's, reset before each import.
async fn bench_imports(app: &App, ctx: &Ctx, rows: usize, comms: &[&str]) -> Result<()> {
    use sanshe_app::facilities::Facilities;
    use sanshe_app::generate::{citizen_id, credit_code};
    use sanshe_app::orgs::Orgs;
    use sanshe_app::workers::Workers;
    if comms.is_empty() {
        return Err(anyhow!("no communities to import into"));
    }
    let dir = std::env::temp_dir().join(format!("sanshe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    println!();
    println!(
        "| import ({rows} rows) | file MB | loader s | check only s | check and write s | write ÷ loader | peak MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let run = std::process::id();
    let facility = |i: usize, key: &str, comm: &str| match key {
        "area" => Some(comm.to_owned()),
        "name" => Some(format!("基准测试服务点{run}-{i}")),
        _ => None,
    };
    let org = |i: usize, key: &str, comm: &str| match key {
        "area" => Some(comm.to_owned()),
        "name" => Some(format!("基准测试社会组织{run}-{i}")),
        "credit_code" => Some(credit_code(
            '1',
            &comm[..6],
            (u64::from(run) << 20) + i as u64,
        )),
        "served" => Some(comm.to_owned()),
        _ => None,
    };
    let worker = |i: usize, key: &str, comm: &str| match key {
        "area" => Some(comm.to_owned()),
        "id_number" => {
            // 1,000 numbers per birthday, a day per 1,000 rows from a start that differs
            // between runs by 200 days (runs on one database rarely collide), born in a
            // district the generated data does not use.
            let day = sanshe_domain::cell::days_from_civil(1960, 1, 1)
                + i64::from(run % 70) * 200
                + (i / 1000) as i64;
            let seq = (i % 500) as u32;
            Some(citizen_id(
                "110101",
                sanshe_domain::cell::civil_from_days(day),
                seq,
                i % 1000 >= 500,
            ))
        }
        _ => None,
    };
    let m = import_one::<Facilities>(app, ctx, &dir, rows, comms, &facility).await;
    let m = m.and(import_one::<Orgs>(app, ctx, &dir, rows, comms, &org).await);
    let m = m.and(import_one::<Workers>(app, ctx, &dir, rows, comms, &worker).await);
    let _ = std::fs::remove_dir_all(&dir);
    m
}

/// One registry's row of the import table (see [`bench_imports`]).
async fn import_one<R: reg::Registry>(
    app: &App,
    ctx: &Ctx,
    dir: &Path,
    rows: usize,
    comms: &[&str],
    vary: &dyn Fn(usize, &str, &str) -> Option<String>,
) -> Result<()> {
    let fields = R::fields();
    let quote = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    let mut csv = fields
        .iter()
        .map(|f| quote(f.col.zh))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for i in 0..rows {
        let comm = comms[i % comms.len()];
        let cells: Vec<String> = fields
            .iter()
            .zip(R::EXAMPLE)
            .map(|(f, ex)| quote(&vary(i, f.col.key, comm).unwrap_or_else(|| (*ex).to_owned())))
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let path = dir.join(format!("{}.csv", R::KIND));
    std::fs::write(&path, &csv)?;
    let bytes = csv.into_bytes();
    let loader = loader_seconds(app, dir, &path, fields.len());
    let mut times = Vec::new();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    for dry in [true, false] {
        let t = Instant::now();
        let r = reg::import::<R>(
            app,
            ctx,
            &bytes,
            ImportOptions {
                dry_run: dry,
                only_valid: false,
                demo: true,
            },
            None,
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
        if !r.issues.is_empty() {
            return Err(anyhow!(
                "benchmark import of {} rejected: {:?}",
                R::KIND,
                r.issues.first()
            ));
        }
        times.push(t.elapsed().as_secs_f64());
    }
    let fmt = |x: Option<f64>, unit: &str| x.map_or("–".to_owned(), |v| format!("{v:.2}{unit}"));
    println!(
        "| {} | {:.1} | {} | {:.2} | {:.2} | {} | {} |",
        R::KIND,
        bytes.len() as f64 / 1e6,
        fmt(loader, ""),
        times[0],
        times[1],
        fmt(loader.map(|l| times[1] / l), "×"),
        fmt(peak_rss_mb(), "")
    );
    Ok(())
}

/// Seconds the database's own loader takes to read `csv` into a plain table of text
/// columns (a fresh file for SQLite, a temporary table on PostgreSQL); None when its
/// program (`sqlite3`, `psql`) is missing or fails.
fn loader_seconds(app: &App, dir: &Path, csv: &Path, columns: usize) -> Option<f64> {
    use std::process::{Command, Stdio};
    let url = app.settings.database_url.expose();
    let mut cmd = if url.starts_with("postgres") {
        let cols: Vec<String> = (1..=columns).map(|i| format!("c{i} text")).collect();
        let mut c = Command::new("psql");
        c.arg(url)
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!("CREATE TEMP TABLE plain ({})", cols.join(", ")))
            .arg("-c")
            .arg(format!(
                "\\copy plain FROM '{}' WITH (FORMAT csv, HEADER true)",
                csv.display()
            ));
        c
    } else {
        let db = dir.join("plain.db");
        let _ = std::fs::remove_file(&db);
        let mut c = Command::new("sqlite3");
        c.arg(&db)
            .arg(".mode csv")
            .arg(format!(".import {} plain", csv.display()));
        c
    };
    let t = Instant::now();
    let ok = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?
        .success();
    ok.then(|| t.elapsed().as_secs_f64())
}
