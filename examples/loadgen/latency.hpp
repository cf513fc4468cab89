// latency.hpp — the statistics of a load run: percentiles of latency samples.
// Pure (no sockets): tested alone.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace loadgen {

/// Latency samples in nanoseconds, and what a report needs from them.
class Latencies {
 public:
  void add(std::uint64_t ns) { samples_.push_back(ns); }
  std::size_t count() const noexcept { return samples_.size(); }

  /// The p-th percentile (0 < p <= 100) by the nearest-rank method: the
  /// smallest sample such that at least p% of the samples are <= it. 0 if empty.
  std::uint64_t percentile(double p) {
    if (samples_.empty()) return 0;
    double rank = p / 100.0 * static_cast<double>(samples_.size());
    std::size_t k = static_cast<std::size_t>(rank);
    if (static_cast<double>(k) < rank) ++k;  // ceil
    k = std::clamp<std::size_t>(k, 1, samples_.size()) - 1;
    std::nth_element(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(k),
                     samples_.end());
    return samples_[k];
  }
  std::uint64_t max() const {
    return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end());
  }
  /// How many samples are >= ns (e.g. the 40 ms stalls of Nagle + delayed ACK).
  std::size_t at_least(std::uint64_t ns) const {
    return static_cast<std::size_t>(
        std::count_if(samples_.begin(), samples_.end(), [ns](std::uint64_t s) { return s >= ns; }));
  }

 private:
  std::vector<std::uint64_t> samples_;
};

}  // namespace loadgen
