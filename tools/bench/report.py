#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw output of tools/bench/guest-bench.sh into the report.

Usage: report.py RESULTS_DIR

Reads pairs.jsonl, mismatch.jsonl, scale.jsonl and env.json from
RESULTS_DIR and writes there:
  results.json   per-phase statistics for each driver and the ratios
  results.md     the markdown tables (also printed on stdout)
  downtime.png   bar chart of the downtime-path breakdown, ours vs mainline

Ratios ours/mainline are computed pair by pair: iteration i of our driver
against iteration i of mainline (they ran back to back, same seed), then the
median of those ratios is reported.
"""
import json
import os
import statistics
import sys

DRIVERS = ("ours", "mainline")
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


def markdown(env, pairs, mismatch, scale):
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
    md.append("## Per phase: wall time, us\n")
    md.append("| phase | DT | ours: median (min-max) | mainline: median (min-max) | ratio |")
    md.append("|---|---|---|---|---|")
    for e in pairs["phases"]:
        o, m, r = e["ours"], e["mainline"], e["ratio"]
        name = f"**{e['phase']}**" if e["phase"] == "DOWNTIME PATH" else e["phase"]
        md.append(f"| {name} | {'x' if e['downtime'] else ''} | {fmt_stat(o['us'], 1)} | "
                  f"{fmt_stat(m['us'], 1)} | {fmt_ratio(r['us'])} |")
    md.append("")
    md.append("## Per phase: device work (ours / mainline, median per iteration)\n")
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
    dp = next(e for e in pairs["phases"] if e["phase"] == "DOWNTIME PATH")
    acc_o = dp["ours"]["accesses"]["median"] if dp["ours"]["accesses"] else None
    acc_m = dp["mainline"]["accesses"]["median"] if dp["mainline"]["accesses"] else None
    mb_o = dp["ours"]["mb"]["median"] if dp["ours"]["mb"] else None
    mb_m = dp["mainline"]["mb"]["median"] if dp["mainline"]["mb"] else None
    md.append("## Targets (reported, not asserted)\n")
    if acc_o is not None and acc_m is not None:
        ra = dp["ratio"]["accesses"]["median"] if dp["ratio"]["accesses"] else None
        rm = dp["ratio"]["mb"]["median"] if dp["ratio"]["mb"] else None
        md.append(f"- Device accesses on the downtime path at most half of mainline's: "
                  f"{fmt(acc_o)} MMIO + {fmt(mb_o)} mailbox vs {fmt(acc_m)} MMIO + "
                  f"{fmt(mb_m)} mailbox; ratio {fmt_ratio(dp['ratio']['accesses'])} "
                  f"(mailbox {fmt_ratio(dp['ratio']['mb'])}): "
                  f"**{'met' if ra is not None and ra <= 0.5 else 'NOT met'}**"
                  f"{'' if rm is None else ''}")
    if dp["ratio"]["us"]:
        ru = dp["ratio"]["us"]["median"]
        mo, mm_ = dp["ours"]["us"]["median"], dp["mainline"]["us"]["median"]
        md.append(f"- Downtime latency no worse than mainline's: {fmt_stat(dp['ours']['us'], 1)} "
                  f"us vs {fmt_stat(dp['mainline']['us'], 1)} us (ratio of medians "
                  f"{mo / mm_:.2f}, median of per-pair ratios {ru:.2f}): "
                  f"**{'met' if ru <= 1.0 else 'NOT met'}**"
                  f"{' (half: met)' if ru <= 0.5 else ''}. Under TCG every trapped "
                  f"access costs microseconds of emulation and the host is shared: the "
                  f"spread is wide and a few percent either way is noise.")
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
    if scale:
        md.append("## Scale: N migrations at once, one process each\n")
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
    return "\n".join(md)


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
            ax.bar(DRIVERS, vals, bottom=bottoms, color=colors[idx % len(colors)],
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
                 "STOP->RUNNING), ours vs mainline")
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
    if not pair_runs:
        print(f"report: no pair runs in {d}", file=sys.stderr)
        return 1
    pairs = analyse_pairs(pair_runs)
    if not pairs["iterations_paired"]:
        print(f"report: no iteration has both drivers in {d}: no ratios", file=sys.stderr)
    scale = analyse_scale(scale_runs)
    result = {"env": env, "pairs": pairs, "mismatch": mismatch, "scale": scale}
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    md = markdown(env, pairs, mismatch, scale)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write(md + "\n")
    chart(pairs, os.path.join(d, "downtime.png"))
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
