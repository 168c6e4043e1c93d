// vnetdiag: parse the command, dispatch, turn errors into one line and an exit code.
#include <ares.h>
#include <curl/curl.h>
#include <gnu/libc-version.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "ca_store.hpp"
#include "check_command.hpp"
#include "cli.hpp"
#include "engine.hpp"
#include "env_command.hpp"
#include "fix_command.hpp"
#include "scrubbed_stream.hpp"
#include "serve_command.hpp"
#include "settings.hpp"
#include "version.hpp"

namespace {

constexpr int kExitUnknown = 3;

// What a responder needs to know which build runs where: the libraries it really loaded (the
// self-contained bundle carries its own), the C library of the image, and the CA store in use.
int version_command() {
  const vnetdiag::CaStore ca = vnetdiag::system_ca_store();
  std::cout << "vnetdiag " << VNETDIAG_VERSION << " (commit " << VNETDIAG_COMMIT << ")\n"
            << "c-ares " << ares_version(nullptr) << ", " << curl_version() << "\n"
            << OpenSSL_version(OPENSSL_VERSION) << " (built with " << OPENSSL_VERSION_TEXT << ")\n"
            << "glibc " << gnu_get_libc_version() << " (built with " << __GLIBC__ << "."
            << __GLIBC_MINOR__ << ")\n"
            << "CA store: "
            << (ca.file.empty() ? "none found (give --ca-bundle)"
                                : ca.file + " (" + ca.origin + ")")
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vnetdiag;
  ScrubbedStream scrubbed_out(std::cout), scrubbed_err(std::cerr);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << general_help();
    return args.empty() ? kExitUnknown : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "version" || command == "--version") return version_command();
  try {
    // serve sets the probe libraries up in each check's own process, never in the server's.
    if (command == "serve") return serve_command(args, process_environment(), std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "vnetdiag: internal error: " << e.what() << " (please report it)\n";
    return kExitUnknown;
  }
  init_probe_libraries();
  try {
    if (command == "check")
      return check_command(args, process_environment(), std::cout, std::cerr,
                           isatty(STDOUT_FILENO) == 1);
    if (command == "env") return env_command(args, process_environment(), std::cout, std::cerr);
    if (command == "fix")
      return fix_command(args, process_environment(), std::cout, std::cerr,
                         isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1);
  } catch (const std::exception& e) {
    std::cerr << "vnetdiag: internal error: " << e.what() << " (please report it)\n";
    return kExitUnknown;
  }
  std::cerr << "vnetdiag: unknown command '" << command << "' (see 'vnetdiag --help')\n";
  return kExitUnknown;
}
