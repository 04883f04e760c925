#!/usr/bin/env python3
"""Turns `agentretrieval bench --json` output into the README's "Measuring" tables (markdown on stdout).

    agentretrieval bench ... --json > bench.json && python3 build/bench-table.py bench.json
"""
import json
import sys


def f(x, digits=2):
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) else "n/a"


def main(path):
    d = json.load(open(path))
    m = d["machine"]
    print(f"Machine: {m['cores']} cores, {m['memory_gib']} GiB, .NET {m['runtime']}, memory bandwidth {m['memory_bandwidth_gbps']} GB/s.\n")
    if d.get("ingest"):
        print("| indexing | MP | decode/s (full size) | preprocess/s | model/s | pipeline/s | efficiency | images/hour | scaled-decode pixel diff (mean/max) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in d["ingest"]:
            px = r["scaled_decode_pixel_difference"]
            print(f"| {r['model']} | {r['megapixels']} | {r['decode_images_per_second']} ({r['full_size_decode_images_per_second']}) | "
                  f"{r['preprocess_images_per_second']} | {r['model_images_per_second']} | {r['pipeline_images_per_second']} | "
                  f"{r['pipeline_efficiency']} | {int(r['images_per_hour']):,} | {px['mean']} / {px['max']} |")
        print()
    if d.get("large_index"):
        print("| index | default search | p50 ms | p95 ms | recall@128 | 10% date filter | filtered p50 ms | filtered recall@128 | post-filter recall |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in d["large_index"]:
            print(f"| {r['vectors']:,} × {r['dimensions']} | {r['mode']} | {f(r['p50_ms'])} | {f(r['p95_ms'])} | {f(r['recall_at_128'], 4)} | "
                  f"{r['filtered_matches']:,} ({r['filtered_mode']}) | {f(r['filtered_p50_ms'])} | {f(r['filtered_recall_at_128'], 4)} | {f(r['post_filter_recall_at_128'], 4)} |")
        print()
        if any("start_page_ms" in r for r in d["large_index"]):
            print("| start page (`GET /api/library`) | first on a fresh index, ms | every later visit, ms |")
            print("|---|---|---|")
            for r in d["large_index"]:
                print(f"| {r['vectors']:,} × {r['dimensions']} | {f(r.get('start_page_first_ms'), 0)} | {f(r.get('start_page_ms'), 1)} |")
            print()
        staged = [r for r in d["large_index"] if r.get("stages")]
        if staged:
            print("| shortlist stages (medians) | prefix scan ms | pick + whole codes ms | estimate ms | exact re-score ms | whole codes read | estimated | re-scored |")
            print("|---|---|---|---|---|---|---|---|")
            for r in staged:
                st = r["stages"]
                print(f"| {r['vectors']:,} × {r['dimensions']} | {f(st['prefix_ms'])} | {f(st['codes_ms'])} | {f(st['estimate_ms'])} | {f(st['rescore_ms'])} | "
                      f"{st['whole_codes_read']:,} | {st['estimated']:,} | {st['rescored']:,} |")
            print()
    if d.get("cold_start"):
        print("| cold `search` | wall s (median) | runs | peak MB | process start | settings | model load | index open | gazetteer | plan | encode | search |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in d["cold_start"]:
            p = r["parts"]
            print(f"| {r['vectors']:,} × {r['dimensions']} | {r['seconds']} | {', '.join(str(s) for s in r['all_seconds'])} | {r['peak_memory_mb']} | "
                  f"{p['process_start_ms']} | {p['settings_ms']} | {p['model_load_ms']} | {p['index_open_ms']} | {p['gazetteer_load_ms']} | "
                  f"{p['plan_ms']} | {p['encode_ms']} | {p['search_ms']} |")
        print()
    print("| vectors | mode | p50 ms | p95 ms | recall@10 | recall@128 | bytes/vector | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for s in d["sizes"]:
        for mo in s["modes"]:
            print(f"| {s['vectors']:,} | {mo['mode']} | {f(mo['p50_ms'])} | {f(mo['p95_ms'])} | {f(mo['recall_at_10'], 3)} | {f(mo['recall_at_128'], 3)} | "
                  f"{int(mo['bytes_per_vector'])} | {f(mo['speedup_vs_exact'], 1)}× |")


if __name__ == "__main__":
    main(sys.argv[1])
