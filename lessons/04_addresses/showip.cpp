// Lesson 04 — showip: every address a name has, as getaddrinfo() returns them.
//
// Beej's classic showip, in C++. A host name is not an address: the resolver
// (getaddrinfo(): /etc/hosts, then DNS) turns it into a LIST of addresses,
// IPv4 and IPv6 mixed, in the order the system prefers (RFC 6724). A client
// should try them in that order until one connects — not take the first and
// give up (the tests show why).
//
//   Python                                        socklab
//   socket.getaddrinfo('localhost', 8888)         Address::resolve("localhost", "8888")
//   socket.inet_pton(AF_INET6, '::1')             Address::from_ip("::1", port)
//   socket.inet_ntop(family, packed)              address.ip()
//
// Docs: docs/lessons/04-addresses.md
#include <socklab/socklab.hpp>

#include <stdexcept>
#include <string>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("showip", "Lesson 04: show the IP addresses of host names (getaddrinfo).");
  args.option("--family", "any|4|6", "any", "ask for IPv4 only, IPv6 only, or both")
      .option("--service", "PORT", "8888", "the port (or a service name such as http)")
      .positionals("HOST", "host names or IP addresses to look up");

  return cli::run(argc, argv, args, [&] {
    std::string f = args.get("--family");
    if (f != "any" && f != "4" && f != "6")
      throw cli::UsageError(cli::tr("--family is any, 4 or 6"));
    Family family = f == "4" ? Family::ipv4 : f == "6" ? Family::ipv6 : Family::unspecified;
    if (args.words().empty()) throw cli::UsageError(cli::tr("give at least one HOST"));

    for (const std::string& host : args.words()) {
      // Step 1, getaddrinfo(): one call, a list of answers (one per address; we ask
      // for SOCK_STREAM, so the same address is not repeated for UDP and raw).
      // SOLUTION-BEGIN: TODO(step 1): getaddrinfo() `host` and --service for `family`, stream
      // sockets only (Address::resolve() in address.hpp; man 3 getaddrinfo).
      // SOLUTION-STUB: (void)family;  // remove this line
      // SOLUTION-STUB: throw std::logic_error("TODO(step 1): getaddrinfo() is not written yet");
      // SOLUTION-STUB: std::vector<Address> found;  // replace this line
      std::vector<Address> found =
          Address::resolve(host, args.get("--service"), family, Type::stream);
      // SOLUTION-END
      cli::say("IP addresses for {}:", host);
      for (const Address& a : found) {
        // inet_ntop(): the binary address back to text. to_string() adds the port,
        // with brackets around an IPv6 address so the ':' of the port stays clear.
        cli::say("  {}: {:<40} {}", to_string(a.family()), a.ip(), a.to_string());
      }
    }
    return 0;
  });
}
