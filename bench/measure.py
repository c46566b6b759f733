"""What every benchmark script reports the same way: a summary of timed runs, and the process's
memory (peak and current RSS, Linux)."""

import resource
import statistics


def summary(samples: list[float]) -> dict:
    """Median, p95, min and max of the samples (milliseconds), and how many there were."""
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
        "runs": len(ordered),
    }


def rss_peak_mb() -> float:
    """The process's peak resident set so far (ru_maxrss is in kilobytes on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_status_mb(field: str) -> float | None:
    """VmRSS (now) or VmHWM (peak) of this process image, from /proc (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
