// fault.cpp — fault injection for send() and recv(): the plan, its parser and
// the per-call decision. Portable: no system headers, so every platform gets it.
#include "socklab/fault.hpp"

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "socklab/error.hpp"
#include "socklab/io_hook.hpp"

namespace socklab::fault {

namespace {

// The plan, field by field, so that calls on other threads read it without a lock.
std::atomic<std::size_t> g_max_bytes{0};
std::atomic<Calls> g_short_calls{Calls::both};
std::atomic<Failure> g_failure{Failure::none};
std::atomic<std::uint64_t> g_at{0};
std::atomic<std::uint64_t> g_every{0};
std::atomic<Calls> g_failure_calls{Calls::both};
std::atomic<std::uint64_t> g_counted{0};
std::atomic<std::uint64_t> g_injected{0};
std::mutex g_set_mutex;  // set() calls don't interleave

bool applies(Calls calls, bool is_send) noexcept {
  return calls == Calls::both || (calls == Calls::send) == is_send;
}

std::error_code error_of(Failure f) noexcept {
  switch (f) {
    case Failure::interrupted:
      return std::make_error_code(std::errc::interrupted);
    case Failure::would_block:
      // The spelling Winsock's WSAEWOULDBLOCK maps to; on POSIX EAGAIN is the same
      // condition (socklab::is_would_block() is true for both).
      return std::make_error_code(std::errc::operation_would_block);
    case Failure::reset:
      return std::make_error_code(std::errc::connection_reset);
    case Failure::none:
      break;
  }
  return {};
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal number 1..limit, digits only.
bool parse_count(std::string_view s, std::uint64_t limit, std::uint64_t& out) noexcept {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), out);
  return err == std::errc{} && end == s.data() + s.size() && out >= 1 && out <= limit;
}

// One comma-separated item into `plan`.
bool parse_item(std::string_view item, Plan& plan) noexcept {
  Calls calls = Calls::both;
  if (auto colon = item.rfind(':'); colon != std::string_view::npos) {
    std::string_view which = item.substr(colon + 1);
    if (which == "send")
      calls = Calls::send;
    else if (which == "recv")
      calls = Calls::recv;
    else
      return false;
    item = item.substr(0, colon);
  }
  if (item == "short" || item.rfind("short=", 0) == 0) {
    std::uint64_t n = 1;
    if (item.size() > 5 && !parse_count(item.substr(6), 1u << 30, n)) return false;
    plan.max_bytes = static_cast<std::size_t>(n);
    plan.short_calls = calls;
    return true;
  }
  auto mark = item.find_first_of("@%");
  if (mark == std::string_view::npos) return false;
  std::string_view name = item.substr(0, mark);
  Failure f = name == "eintr"    ? Failure::interrupted
              : name == "eagain" ? Failure::would_block
              : name == "reset"  ? Failure::reset
                                 : Failure::none;
  std::uint64_t n = 0;
  if (f == Failure::none || !parse_count(item.substr(mark + 1), UINT64_MAX / 2, n)) return false;
  plan.failure = f;
  plan.at = n;
  plan.every = item[mark] == '%' ? n : 0;
  plan.failure_calls = calls;
  return true;
}

std::string_view suffix(Calls c) noexcept {
  return c == Calls::send ? ":send" : c == Calls::recv ? ":recv" : "";
}

}  // namespace

namespace {

// The hook fault injection installs in the core (socklab/io_hook.hpp).
std::error_code before_call(bool is_send, std::size_t& size) noexcept {
  std::size_t max = g_max_bytes.load(std::memory_order_relaxed);
  if (max != 0 && size > max && applies(g_short_calls.load(std::memory_order_relaxed), is_send))
    size = max;
  Failure f = g_failure.load(std::memory_order_relaxed);
  std::uint64_t at = g_at.load(std::memory_order_relaxed);
  if (f == Failure::none || at == 0 ||
      !applies(g_failure_calls.load(std::memory_order_relaxed), is_send))
    return {};
  std::uint64_t n = g_counted.fetch_add(1, std::memory_order_relaxed) + 1;
  std::uint64_t every = g_every.load(std::memory_order_relaxed);
  if (n == at || (every != 0 && n > at && (n - at) % every == 0)) {
    g_injected.fetch_add(1, std::memory_order_relaxed);
    return error_of(f);
  }
  return {};
}

}  // namespace

Plan parse(std::string_view spec, std::error_code& ec) noexcept {
  Plan plan;
  ec.clear();
  spec = trim(spec);
  if (spec.empty() || spec == "off" || spec == "none") return plan;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    std::string_view item = trim(spec.substr(0, comma));
    if (!parse_item(item, plan)) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return Plan{};
    }
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
    if (trim(spec).empty()) {  // a trailing comma
      ec = std::make_error_code(std::errc::invalid_argument);
      return Plan{};
    }
  }
  return plan;
}

Plan parse(std::string_view spec) {
  std::error_code ec;
  Plan plan = parse(spec, ec);
  if (ec)
    throw Error(ec, "fault::parse",
                std::string(spec) + " (expected e.g. short, short=3, eintr@2, reset%5:recv)");
  return plan;
}

std::string to_string(const Plan& plan) {
  std::vector<std::string> items;
  if (plan.max_bytes != 0) {
    std::string item = plan.max_bytes == 1 ? "short" : "short=" + std::to_string(plan.max_bytes);
    items.push_back(item + std::string(suffix(plan.short_calls)));
  }
  if (plan.failure != Failure::none && plan.at != 0) {
    std::string_view name = plan.failure == Failure::interrupted   ? "eintr"
                            : plan.failure == Failure::would_block ? "eagain"
                                                                   : "reset";
    // eintr%N is "at N, then every N"; any other combination has no spec text,
    // so it is written as the first failure only.
    bool periodic = plan.every != 0 && plan.every == plan.at;
    items.push_back(std::string(name) + (periodic ? "%" : "@") + std::to_string(plan.at) +
                    std::string(suffix(plan.failure_calls)));
  }
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

namespace {

void install(const Plan& plan) noexcept {
  std::lock_guard lock(g_set_mutex);
  io_hook::install(nullptr);
  g_max_bytes.store(plan.max_bytes, std::memory_order_relaxed);
  g_short_calls.store(plan.short_calls, std::memory_order_relaxed);
  g_failure.store(plan.failure, std::memory_order_relaxed);
  g_at.store(plan.at, std::memory_order_relaxed);
  g_every.store(plan.every, std::memory_order_relaxed);
  g_failure_calls.store(plan.failure_calls, std::memory_order_relaxed);
  g_counted.store(0, std::memory_order_relaxed);
  g_injected.store(0, std::memory_order_relaxed);
  io_hook::install(plan.enabled() ? &before_call : nullptr);
}

}  // namespace

void set(const Plan& plan) noexcept {
  load_environment();  // first, so that a plan set by a test wins over SOCKLAB_FAULTS
  install(plan);
}

void clear() noexcept {
  set(Plan{});
}

Plan current() noexcept {
  load_environment();
  std::lock_guard lock(g_set_mutex);
  Plan plan;
  plan.max_bytes = g_max_bytes.load(std::memory_order_relaxed);
  plan.short_calls = g_short_calls.load(std::memory_order_relaxed);
  plan.failure = g_failure.load(std::memory_order_relaxed);
  plan.at = g_at.load(std::memory_order_relaxed);
  plan.every = g_every.load(std::memory_order_relaxed);
  plan.failure_calls = g_failure_calls.load(std::memory_order_relaxed);
  return plan;
}

std::uint64_t calls_counted() noexcept {
  return g_counted.load(std::memory_order_relaxed);
}

std::uint64_t failures_injected() noexcept {
  return g_injected.load(std::memory_order_relaxed);
}

void load_environment() noexcept {
  static const bool loaded = [] {
    const char* spec = std::getenv("SOCKLAB_FAULTS");  // NOLINT(concurrency-mt-unsafe)
    if (spec == nullptr || *spec == '\0') return false;
    std::error_code ec;
    Plan plan = parse(spec, ec);
    if (ec) {
      std::fprintf(stderr,
                   "socklab: SOCKLAB_FAULTS=%s: not understood, fault injection stays off "
                   "(see docs/fault-injection.md)\n",
                   spec);
      return false;
    }
    install(plan);
    return true;
  }();
  (void)loaded;
}

}  // namespace socklab::fault
