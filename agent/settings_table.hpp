#pragma once
// The one table of settings. Each row is one setting: its flag, VNETDIAG_* variable, config-file
// key, type, default, help, the section and commands it appears under, and the CheckSettings
// field it fills. From it come the commands' Boost.Program_options descriptions and --help, the
// flags, environment and config-file parsing, the ranges and choices validate() checks, the
// CheckSettings defaults, and the generated docs (README's table, the man page's ENVIRONMENT,
// the bash completion's values; tests/settings/ checks they do not drift).
// Adding a setting: a field in CheckSettings, a row here, and the code that uses it.
#include <boost/program_options/options_description.hpp>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "settings.hpp"

namespace vnetdiag {

enum class Kind {
  kString,  // any text
  kList,    // repeatable flag; a JSON string or list of strings; comma-separated in the environment
  kSeconds,  // a number of seconds, optionally within [min, max]
  kChoice,   // one of choices()
  kSwitch,   // a flag without a value (sets true, or on_value; off_flag sets off_value)
};

// Where a row appears in --help, in this order. Serving comes before the shared sections (serve's
// own), Fix after them (fix's own).
enum class Section { kServing, kTargets, kProbing, kArm, kOutput, kFix };
std::string_view caption(Section section);

// Which commands take a setting (a bit set).
enum Command : unsigned { kCheck = 1, kServe = 2, kFix = 4, kEnv = 8, kAllCommands = 15 };
std::string_view command_name(Command command);

template <class T>
using Member = Setting<T> CheckSettings::*;
using Field = std::variant<std::monostate, Member<std::string>, Member<std::vector<std::string>>,
                           Member<double>, Member<bool>>;

struct SettingRow {
  std::string_view flag = {};  // long flag without "--": the row's name
  char short_flag = 0;
  std::string_view env = {};  // VNETDIAG_* variable; empty: none
  std::string_view key = {};  // config-file key; empty: none
  Kind kind = Kind::kString;
  std::string_view default_value = {};  // as given on the command line; empty: none
  Section section = Section::kTargets;
  unsigned commands = kAllCommands;
  Field field = {};  // std::monostate only for --help
  std::string_view help = {};
  std::string_view value_name = {};  // in the docs; FILE also makes the completion offer file names
  // kChoice: the allowed values, and the message for anything else, where {value}, {flag},
  // {or} (a, b or c), {'or'} ('a' or 'b') and {list} (a, b, c) are filled in. An empty value is
  // allowed when the default is empty.
  std::vector<std::string> (*choices)() = nullptr;
  bool any_case = false;
  std::string_view invalid = {};
  // kSeconds: min < v <= max (min <= v when min_allowed); no range when min > max.
  double min = 1, max = 0;
  bool min_allowed = false;
  // kSwitch on a string field: the value the flag sets, and an optional flag for the opposite.
  std::string_view on_value = {}, off_flag = {}, off_value = {}, off_help = {};

  bool takes_value() const { return kind != Kind::kSwitch; }
  bool has_range() const { return min <= max; }
};

std::span<const SettingRow> settings_table();
const SettingRow* find_setting(std::string_view flag);

// The options of one command, grouped by section as its --help shows them.
boost::program_options::options_description options_for(Command command);

// The default as text (kSwitch: "off"; lists: the items comma-separated).
std::string default_text(const SettingRow& row);
// {'or'} style joins, for messages and docs.
std::string join_or(const std::vector<std::string>& items, bool quoted);

// Word-wraps text at width columns.
std::string wrap(const std::string& text, std::size_t width);

}  // namespace vnetdiag
