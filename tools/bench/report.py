#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw output of tools/bench/guest-bench.sh into the report.

Usage: report.py RESULTS_DIR

Reads pairs.jsonl, mismatch.jsonl, scale.jsonl, load.jsonl,
scaleload.jsonl and env.json from RESULTS_DIR and writes there:
  results.json   per-phase statistics for each driver and the ratios
  results.md     the markdown tables (also printed on stdout)
  downtime.png   bar chart of the downtime-path breakdown, ours vs mainline
  throughput.png the workload's jobs/s around the migration (load runs)

Ratios ours/mainline are computed pair by pair: iteration i of our driver
against iteration i of mainline (they ran back to back, same seed), then the
median of those ratios is reported.
"""
import json
import os
import statistics
import sys

DRIVERS = ("ours", "mainline")
# what the charts call each driver (--baseline: "mainline" is another build)
SHOW = {"ours": "ours", "mainline": "mainline"}
# device accesses: what costs microseconds on real hardware
ACCESS_FIELDS = ("mmio_r", "mmio_w", "mb")


def load_jsonl(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                print(f"report: {path}:{n}: not JSON ({e}); skipped", file=sys.stderr)
    return rows


def phase_figures(ph):
    """Per-phase figures of one run, summed over source, destination and PF."""
    fig = {"us": ph["ns"] / 1000.0, "bytes": ph["bytes"]}
    for k in ("mmio_r", "mmio_w", "mb", "dma_r", "dma_w"):
        fig[k] = sum(ph[w][k] for w in ("src", "dst", "pf"))
    fig["accesses"] = fig["mmio_r"] + fig["mmio_w"]
    fig["pf_accesses"] = ph["pf"]["mmio_r"] + ph["pf"]["mmio_w"]
    fig["mb_cmds"] = ph.get("mb_cmds", {})
    return fig


def run_figures(run):
    """{phase name: figures} plus the synthetic 'downtime path' and 'total'."""
    out = {}
    # Times are sums of the timed phases: the counter reads the benchmark does
    # between phases (dozens of trapped MMIO reads under TCG) are left out.
    down = {"us": 0.0}
    total = {"us": 0.0}
    for k in ("bytes", "mmio_r", "mmio_w", "mb", "dma_r", "dma_w", "accesses",
              "pf_accesses"):
        down[k] = 0
        total[k] = 0
    for ph in run["phases"]:
        f = phase_figures(ph)
        out[ph["name"]] = f
        for k in down:
            total[k] += f[k]
            if ph["downtime"]:
                down[k] += f[k]
    out["DOWNTIME PATH"] = down
    out["all phases"] = total
    return out


def stats(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def ratio(a, b):
    if b == 0:
        return None if a else 1.0
    return a / b


def analyse_pairs(pairs):
    by = {d: {} for d in DRIVERS}
    # a run whose destination registers differ from the source is kept (the
    # figures are what the driver did) and counted in verify_failed
    for run in pairs:
        by.setdefault(run["driver"], {})[run["iter"]] = run
    iters = sorted(set(by["ours"]) & set(by["mainline"]))
    phase_names = []
    downtime = {}
    for run in pairs:
        for ph in run["phases"]:
            if ph["name"] not in phase_names:
                phase_names.append(ph["name"])
                downtime[ph["name"]] = ph["downtime"]
    rows = phase_names + ["DOWNTIME PATH", "all phases"]
    figs = {d: {i: run_figures(by[d][i]) for i in by[d]} for d in DRIVERS}
    result = {"iterations_paired": len(iters), "phases": [],
              "runs": {d: len(by[d]) for d in DRIVERS}}
    for name in rows:
        entry = {"phase": name,
                 "downtime": downtime.get(name, name == "DOWNTIME PATH")}
        for d in DRIVERS:
            entry[d] = {}
            for k in ("us", "mmio_r", "mmio_w", "mb", "bytes", "accesses",
                      "pf_accesses", "dma_r", "dma_w"):
                entry[d][k] = stats([figs[d][i][name][k] for i in figs[d]
                                     if name in figs[d][i]])
            if name in phase_names:
                cmds = {}
                for i in figs[d]:
                    for c, v in figs[d][i][name]["mb_cmds"].items():
                        cmds.setdefault(c, []).append(v)
                entry[d]["mb_cmds_median"] = {c: statistics.median(v)
                                              for c, v in cmds.items()}
        entry["ratio"] = {}
        for k in ("us", "mmio_r", "mmio_w", "mb", "bytes", "accesses"):
            rs = [ratio(figs["ours"][i][name][k], figs["mainline"][i][name][k])
                  for i in iters if name in figs["ours"][i] and name in figs["mainline"][i]]
            rs = [r for r in rs if r is not None]
            entry["ratio"][k] = stats(rs)
        result["phases"].append(entry)
    qp = sorted({(r["src_qp_num"], r["dst_qp_num"]) for r in pairs})
    result["qp_num"] = qp
    result["verify_failed"] = {d: sum(1 for r in pairs if r["driver"] == d and
                                      r.get("verify_diffs", 0) != 0) for d in DRIVERS}
    return result


def analyse_scale(scale):
    res = {}
    tried = {}
    for run in scale:
        key = (run["driver"], str(run["n"]))
        t = tried.setdefault(key, [0, 0, 0])
        t[0] += 1
        t[2] += 1 if run.get("stalled") else 0
        if run["ok"] != run["n"]:
            continue
        t[1] += 1
        d = res.setdefault(run["driver"], {}).setdefault(str(run["n"]), {
            "total_us": [], "downtime_us_max": [], "downtime_us_median": []})
        d["total_us"].append(run["total_ns"] / 1000.0)
        d["downtime_us_max"].append(run["downtime_ns_max"] / 1000.0)
        d["downtime_us_median"].append(run["downtime_ns_median"] / 1000.0)
    out = {}
    for drv, ns in res.items():
        out[drv] = {n: {k: stats(v) for k, v in figs.items()} for n, figs in ns.items()}
    for (drv, n), (runs, ok, stalled) in tried.items():
        e = out.setdefault(drv, {}).setdefault(n, {})
        e["runs"], e["runs_ok"], e["runs_stalled"] = runs, ok, stalled
    return out


def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0 and abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.{digits or 1}f}"


def fmt_stat(s, digits=0):
    if s is None:
        return "-"
    if s["min"] == s["max"]:
        return fmt(s["median"], digits)
    return f"{fmt(s['median'], digits)} ({fmt(s['min'], digits)}-{fmt(s['max'], digits)})"


def fmt_ratio(s):
    if s is None:
        return "-"
    return f"{s['median']:.2f}"


def phase_tables(pairs, what):
    """The per-phase tables of analyse_pairs() output, as markdown lines."""
    md = []
    md.append(f"## Per phase{what}: wall time, us\n")
    md.append("| phase | DT | ours: median (min-max) | mainline: median (min-max) | ratio |")
    md.append("|---|---|---|---|---|")
    for e in pairs["phases"]:
        o, m, r = e["ours"], e["mainline"], e["ratio"]
        name = f"**{e['phase']}**" if e["phase"] == "DOWNTIME PATH" else e["phase"]
        md.append(f"| {name} | {'x' if e['downtime'] else ''} | {fmt_stat(o['us'], 1)} | "
                  f"{fmt_stat(m['us'], 1)} | {fmt_ratio(r['us'])} |")
    md.append("")
    md.append(f"## Per phase{what}: device work (ours / mainline, median per iteration)\n")
    md.append("| phase | DT | MMIO reads | MMIO writes | mailbox cmds | accesses ratio "
              "| of which PF | bytes |")
    md.append("|---|---|---|---|---|---|---|---|")

    def pair_of(o, m, k):
        return f"{fmt_stat(o[k])} / {fmt_stat(m[k])}"
    for e in pairs["phases"]:
        o, m, r = e["ours"], e["mainline"], e["ratio"]
        name = f"**{e['phase']}**" if e["phase"] == "DOWNTIME PATH" else e["phase"]
        md.append(f"| {name} | {'x' if e['downtime'] else ''} | {pair_of(o, m, 'mmio_r')} | "
                  f"{pair_of(o, m, 'mmio_w')} | {pair_of(o, m, 'mb')} | "
                  f"{fmt_ratio(r['accesses'])} | {pair_of(o, m, 'pf_accesses')} | "
                  f"{pair_of(o, m, 'bytes')} |")
    md.append("")
    md.append("DT = on the downtime path (source PRE_COPY->STOP_COPY through destination "
              "STOP->RUNNING). DOWNTIME PATH and 'all phases' are per-iteration sums of the "
              "timed phases (the benchmark's own counter reads between phases are left "
              "out; the scale runs, which read no counters, time the path end to end). "
              "MMIO counts include the mailbox's own register accesses; "
              "'of which PF' = accesses to the PF's BAR2 made for the VF. Reads are the "
              "costly kind on hardware (non-posted round trips); writes are posted.\n")
    md.append("Mailbox commands by type on the downtime path (median per iteration):\n")
    for d in DRIVERS:
        cmds = {}
        for e in pairs["phases"]:
            if e["downtime"] and "mb_cmds_median" in e[d]:
                for c, v in e[d]["mb_cmds_median"].items():
                    cmds[c] = cmds.get(c, 0) + v
        md.append(f"- {d}: " + (", ".join(f"{c} {fmt(v)}" for c, v in sorted(cmds.items()))
                                or "none"))
    md.append("")
    return md


def idle_section(env, pairs, mismatch):
    md = []
    md.append(f"# hisi_acc_vfio_pci migration critical path: ours vs mainline\n")
    md.append(f"Kernel {env.get('kernel', '?')}, QEMU model num-vfs={env.get('num_vfs')}, "
              f"{env.get('cpus')} vCPUs (TCG); one boot, drivers alternated A B A B; "
              f"{pairs['iterations_paired']} paired iterations; VF queues (src, dst): "
              f"{', '.join(f'{a}/{b}' for a, b in pairs['qp_num'])}. "
              f"Figures: median (min-max) per iteration; device accesses = MMIO "
              f"reads + writes to BAR2 of source, destination and PF; mailbox "
              f"commands counted by the model; ratio = median of per-pair "
              f"ours/mainline.\n")
    vf = pairs["verify_failed"]
    n = pairs["iterations_paired"]
    for drv in DRIVERS:
        if not pairs["runs"][drv]:
            md.append(f"**No migration with the {drv} driver completed** (bench.log says "
                      f"why); its columns are empty.\n")
    note = ""
    if any(vf.values()):
        note = (" A driver whose migrations do not carry the state is not doing the "
                "work the counts compare: read its figures with that in mind.")
    md.append(f"Destination registers equal to the source's after migration (read back "
              f"through the guest-driver helper): ours {pairs['runs']['ours'] - vf['ours']} "
              f"of {pairs['runs']['ours']}, mainline "
              f"{pairs['runs']['mainline'] - vf['mainline']} of {pairs['runs']['mainline']}."
              f"{note}\n")
    md += phase_tables(pairs, "")
    md += targets(pairs, "idle")
    for mm in mismatch:
        if "refused_in_precopy" not in mm:
            continue
        md.append(f"- Mismatched destination ({mm['driver']}, dst {mm['dst']} with "
                  f"{mm['dst_qp_num']} queues vs {mm['src_qp_num']}): refused during "
                  f"PRE_COPY: {'yes' if mm['refused_in_precopy'] else 'NO'} "
                  f"(write errno {mm['write_errno']} {mm['write_error']}); source state at "
                  f"refusal {mm['src_state_at_refusal']}, after cancel "
                  f"{mm['src_state_final']}; PAUSE_QM on the source {mm['src_pause_qm']}; "
                  f"source stopped: {'yes' if mm['src_stopped'] else 'no'}; source registers "
                  f"changed: {mm['src_regs_diffs_after']}; refused "
                  f"{mm['ns_to_refusal'] / 1000:.0f} us after PRE_COPY began")
    md.append("")
    return md


def markdown(env, pairs, mismatch, scale, load=None, scaleload=None, scaleload_jobs=None):
    md = []
    if pairs:
        md += idle_section(env, pairs, mismatch)
    md += scale_table(scale, "")
    if load:
        md += load_section(env, load)
    if scaleload:
        md += scale_table(scaleload, " under load")
        md += scale_jobs(scaleload_jobs or {})
    md += scale_growth(scale, scaleload)
    return "\n".join(md)


def dp_entry(pairs, name="DOWNTIME PATH"):
    return next((e for e in pairs["phases"] if e["phase"] == name), None)


def target_line(what, s, limit, detail):
    if s is None:
        return f"- {what}: no paired runs"
    v = s["median"]
    return (f"- {what}: ratio {v:.2f} (target <= {limit}){detail}: "
            f"**{'met' if v <= limit else 'NOT met'}**")


def targets(pairs, what):
    """The issue's targets on one set of pair runs (reported, not asserted)."""
    md = [f"## Targets, {what} (reported, not asserted)\n"]
    dp, tot = dp_entry(pairs), dp_entry(pairs, "all phases")
    if what != "idle":
        md.append(target_line("Downtime-path latency at most 0.7x mainline's", dp["ratio"]["us"],
                              0.7, f" ({fmt_stat(dp['ours']['us'], 1)} us vs "
                              f"{fmt_stat(dp['mainline']['us'], 1)} us)"))
    else:
        md.append(target_line("Downtime-path latency (idle; the 0.7x target is under load)",
                              dp["ratio"]["us"], 1.0,
                              f" ({fmt_stat(dp['ours']['us'], 1)} us vs "
                              f"{fmt_stat(dp['mainline']['us'], 1)} us)"))
    md.append(target_line("MMIO reads on the downtime path at most 0.75x mainline's",
                          dp["ratio"]["mmio_r"], 0.75,
                          f" ({fmt_stat(dp['ours']['mmio_r'])} vs "
                          f"{fmt_stat(dp['mainline']['mmio_r'])})"))
    md.append(target_line("Whole migration (all phases) at most 1.0x mainline's",
                          tot["ratio"]["us"], 1.0,
                          f" ({fmt_stat(tot['ours']['us'], 1)} us vs "
                          f"{fmt_stat(tot['mainline']['us'], 1)} us)"))
    md.append("")
    return md


def analyse_load(runs):
    """Jobs checked around each migration under load, per driver."""
    out = {}
    for d in DRIVERS:
        rs = [r for r in runs if r["driver"] == d]
        drain_us, drained = [], []
        for r in rs:
            # the arc that pauses the task engine: with P2P the first one
            names = {p["name"]: p for p in r["phases"] if p["calls"]}
            ph = names.get("src PRE_COPY->PRE_COPY_P2P") or names.get("src PRE_COPY->STOP_COPY")
            if ph:
                drain_us.append(ph["ns"] / 1000.0)
                drained.append(ph["src"].get("jobs_done", 0))
        out[d] = {
            "migrations": len(rs),
            "jobs": sum(r["completed"] for r in rs),
            "lost": sum(r["lost"] for r in rs),
            "dropped": sum(r.get("dropped_src", 0) + r.get("dropped_dst", 0) for r in rs),
            "bad": sum(r["bad"] for r in rs),
            "errors": sum(1 for r in rs if r.get("workload_error")),
            "lost_irq": sum(r.get("lost_irq", 0) for r in rs),
            "inflight_at_stop": stats([r["inflight_at_stop"] for r in rs]),
            "pause_arc_us": stats(drain_us),
            "drained_jobs": stats(drained),
        }
    return out


def load_series(runs, driver):
    """Mean jobs/s per 10 ms bucket, aligned on the start of the downtime path."""
    per = {}
    for r in runs:
        if r["driver"] != driver:
            continue
        bms = r.get("bucket_ms", 10)
        for i, n in enumerate(r["buckets"]):
            off = int((i * bms - r["t_down_ms"]) // bms)
            per.setdefault(off, []).append(n * 1000.0 / bms)
    return sorted((k, statistics.fmean(v)) for k, v in per.items())


def load_section(env, load):
    a = load["analysis"]
    md = [f"# Under load: {env.get('jobs', '?')} jobs in flight, model job latency "
          f"{env.get('job_latency_ns', '?')} ns\n"]
    md.append("The workload (hacc-bench load) keeps K 4 KiB compression jobs in flight "
              "on the source's queue 0 and checks every result; it is paused right after "
              "submitting, as a VMM stops its vCPUs, before the downtime path starts, and "
              "goes on on the destination (same IOVAs, MSI re-wired) once that runs. "
              "Phases outside the downtime path run with the workload and count its "
              "doorbells too.\n")
    md.append("| driver | migrations | jobs completed | lost (dropped by the model's engine) | "
              "wrong | workload errors | "
              "in flight at the stop | pause arc us | jobs drained by the pause | "
              "completions found without their interrupt |")
    md.append("|---|---|---|---|---|---|---|---|---|---|")
    for d in DRIVERS:
        x = a[d]
        md.append(f"| {d} | {x['migrations']} | {x['jobs']} | {x['lost']} ({x['dropped']}) | "
                  f"{x['bad']} | "
                  f"{x['errors']} | {fmt_stat(x['inflight_at_stop'])} | "
                  f"{fmt_stat(x['pause_arc_us'], 1)} | {fmt_stat(x['drained_jobs'])} | "
                  f"{x['lost_irq']} |")
    md.append("")
    md += phase_tables(load["pairs"], " under load")
    md += targets(load["pairs"], "under load")
    md.append("Throughput around the migration: throughput.png (mean jobs/s per 10 ms "
              "bucket over the iterations, 0 = start of the downtime path).\n")
    return md


def percentiles(values):
    """stats() and the 90th percentile (None if empty)."""
    s = stats(values)
    if s:
        v = sorted(values)
        s["p90"] = v[min(len(v) - 1, (len(v) * 9) // 10)]
    return s


def scale_jobs(lost):
    md = ["Jobs under load in the scale runs: " + "; ".join(
        f"{d}: {v['migrations']} migrations, {v['jobs']} jobs, {v['lost']} lost, "
        f"{v['bad']} wrong, {v.get('verify_diffs', 0)} register mismatches"
        for d, v in sorted(lost.items())) + "\n"]
    dt = [(d, v["downtime_us"]) for d, v in sorted(lost.items()) if v.get("downtime_us")]
    if dt:
        md.append("Downtime path per migration under load, all N together: " + "; ".join(
            f"{d}: median {p['median']:.0f} us, p90 {p['p90']:.0f} us, max {p['max']:.0f} us "
            f"({p['n']} migrations)" for d, p in dt) + "\n")
    return md


def scale_growth(scale, scaleload):
    """Does a VF's downtime path grow with N?  Figures at N over those at N=1.

    The median downtime path among the N is what one migration costs when N
    run; the longest one also catches a process the scheduler put aside
    (with 8 processes on 2 vCPUs), which is why both are given.
    """
    md = []
    for what, sc in (("idle", scale), ("under load", scaleload)):
        if not sc:
            continue
        for key, label in (("downtime_us_median", "median"), ("downtime_us_max", "longest")):
            parts = []
            for d in DRIVERS:
                x = sc.get(d, {})
                one = x.get("1", {}).get(key)
                if not one:
                    continue
                g = [f"N=1 {one['median']:.0f} us"]
                for n in sorted((k for k in x if k != "1"), key=int):
                    v = x[n].get(key)
                    if v:
                        g.append(f"N={n} {v['median'] / one['median']:.2f}x")
                parts.append(f"{d}: " + ", ".join(g))
            if parts:
                md.append(f"- {label} downtime path among the N against N=1 ({what}): "
                          + "; ".join(parts))
    if md:
        md = ["## Growth with the number of VFs migrating at once\n"] + md + [
            "", "Medians over the rounds; a target of the issue is that no phase's cost "
            "grows with N, which the per-VF median shows; the longest path adds the "
            "scheduling of N processes on the guest's vCPUs.", ""]
    return md


def scale_table(scale, what):
    if not scale:
        return []
    md = []
    md.append(f"## Scale{what}: N migrations at once, one process each\n")
    md.append("| N | total us ours | total us mainline | ratio | downtime-path max us ours "
              "| downtime-path max us mainline | ratio | complete runs ours / mainline |")
    md.append("|---|---|---|---|---|---|---|---|")
    ns = sorted({int(n) for d in scale.values() for n in d})
    for n in ns:
        o = scale.get("ours", {}).get(str(n), {})
        m = scale.get("mainline", {}).get(str(n), {})

        def runs_of(x):
            if "runs" not in x:
                return "-"
            st = f", {x['runs_stalled']} stalled" if x["runs_stalled"] else ""
            return f"{x['runs_ok']} of {x['runs']}{st}"

        def med(x, k):
            return x[k]["median"] if x.get(k) else None
        to, tm = med(o, "total_us"), med(m, "total_us")
        do, dm = med(o, "downtime_us_max"), med(m, "downtime_us_max")
        md.append(f"| {n} | {fmt_stat(o.get('total_us'), 1)} | "
                  f"{fmt_stat(m.get('total_us'), 1)} | "
                  f"{'-' if not to or not tm else f'{to / tm:.2f}'} | "
                  f"{fmt_stat(o.get('downtime_us_max'), 1)} | "
                  f"{fmt_stat(m.get('downtime_us_max'), 1)} | "
                  f"{'-' if not do or not dm else f'{do / dm:.2f}'} | "
                  f"{runs_of(o)} / {runs_of(m)} |")
    md.append("")
    md.append("Total = from the common start signal to the last destination RUNNING "
              "(includes PRE_COPY); downtime-path max = the longest single downtime "
              "path among the N. Median (min-max) over the complete rounds; ratios of medians. "
              "A stalled run is one where a process did not finish within 60 s "
              "(hacc-bench logs its kernel stack in bench.log).\n")
    return md


def chart(pairs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dt = [e for e in pairs["phases"] if e["downtime"] and e["phase"] != "DOWNTIME PATH"]
    labels = [e["phase"] for e in dt]
    colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    panels = (("us", "wall time, us (per-phase medians, stacked)"),
              ("accesses", "device accesses: MMIO r+w (per-phase medians)"))
    for ax, (key, title) in zip(axes, panels):
        bottoms = [0.0, 0.0]
        for idx, e in enumerate(dt):
            vals = [e[d][key]["median"] if e[d][key] else 0 for d in DRIVERS]
            ax.bar([SHOW[d] for d in DRIVERS], vals, bottom=bottoms, color=colors[idx % len(colors)],
                   label=labels[idx], edgecolor="white")
            bottoms = [b + v for b, v in zip(bottoms, vals)]
        if key == "accesses":
            mbs = [sum(e[d]["mb"]["median"] for e in dt if e[d]["mb"]) for d in DRIVERS]
            for i, (b, mb) in enumerate(zip(bottoms, mbs)):
                ax.text(i, b, f"{b:.0f}\n({mb:.0f} mailbox)", ha="center", va="bottom")
        else:
            for i, b in enumerate(bottoms):
                ax.text(i, b, f"{b:.0f}", ha="center", va="bottom")
        ax.set_title(title)
        ax.set_ylim(0, max(bottoms) * 1.2 if max(bottoms) else 1)
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
    fig.suptitle("hisi_acc_vfio_pci downtime path (src PRE_COPY->STOP_COPY .. dst "
                 f"STOP->RUNNING), ours vs {SHOW['mainline']}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def chart_load(runs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4.5))
    for d, color in zip(DRIVERS, ("#4e79a7", "#e15759")):
        ser = load_series(runs, d)
        if not ser:
            continue
        bms = next((r.get("bucket_ms", 10) for r in runs), 10)
        ax.step([k * bms for k, _ in ser], [v for _, v in ser], where="post", color=color,
                label=f"{SHOW[d]} ({sum(1 for r in runs if r['driver'] == d)} migrations)")
        downs = [r["downtime_ns"] / 1e6 for r in runs if r["driver"] == d]
        if downs:
            ax.axvspan(0, statistics.median(downs), color=color, alpha=0.15)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("ms from the start of the downtime path (the workload pauses just before)")
    ax.set_ylabel("jobs/s (mean per 10 ms bucket)")
    ax.set_title("ZIP workload around one migration: ours vs mainline "
                 "(shaded: median downtime path)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = sys.argv[1]
    env = {}
    if os.path.exists(os.path.join(d, "env.json")):
        with open(os.path.join(d, "env.json")) as f:
            env = json.load(f)
    pair_runs = load_jsonl(os.path.join(d, "pairs.jsonl"))
    mismatch = load_jsonl(os.path.join(d, "mismatch.jsonl"))
    scale_runs = load_jsonl(os.path.join(d, "scale.jsonl"))
    load_runs = load_jsonl(os.path.join(d, "load.jsonl"))
    scaleload_runs = load_jsonl(os.path.join(d, "scaleload.jsonl"))
    if not (pair_runs or mismatch or scale_runs or load_runs or scaleload_runs):
        print(f"report: no results of any part in {d}", file=sys.stderr)
        return 1
    pairs = analyse_pairs(pair_runs) if pair_runs else None
    if pairs and not pairs["iterations_paired"]:
        print(f"report: no iteration has both drivers in {d}: no ratios", file=sys.stderr)
    scale = analyse_scale(scale_runs)
    load = None
    if load_runs:
        load = {"pairs": analyse_pairs(load_runs), "analysis": analyse_load(load_runs)}
    scaleload = analyse_scale(scaleload_runs)
    jobs = {}
    if scaleload_runs:
        for r in scaleload_runs:
            j = jobs.setdefault(r["driver"], {"migrations": 0, "jobs": 0, "lost": 0, "bad": 0,
                                              "verify_diffs": 0, "downtime_us": []})
            j["migrations"] += r["ok"]
            j["jobs"] += sum(r.get("jobs_completed", []))
            j["lost"] += sum(r.get("jobs_lost", []))
            j["bad"] += sum(r.get("jobs_bad", []))
            j["verify_diffs"] += sum(r.get("verify_diffs", []))
            j["downtime_us"] += [v / 1000.0 for v in r.get("downtime_ns", [])]
        for j in jobs.values():
            j["downtime_us"] = percentiles(j["downtime_us"])
    result = {"env": env, "pairs": pairs, "mismatch": mismatch, "scale": scale,
              "load": load, "scaleload": scaleload, "scaleload_jobs": jobs}
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    md = markdown(env, pairs, mismatch, scale, load, scaleload, jobs)
    if env.get("baseline"):
        SHOW["mainline"] = f"baseline {env['baseline']}"
        # tools/bench/run --baseline: our driver at another revision took
        # mainline's place; every "mainline" of the report is that build
        md = md.replace("mainline", f"baseline {env['baseline']}")
        md = (f"**Baseline run: \"baseline {env['baseline']}\" is our driver at "
              f"revision {env['baseline']}, not mainline.**\n\n" + md)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write(md + "\n")
    if pairs:
        chart(pairs, os.path.join(d, "downtime.png"))
    if load_runs:
        chart_load(load_runs, os.path.join(d, "throughput.png"))
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
