// The settings table (agent/settings_table.cpp) against itself and against what it stands for:
// names unique, every CheckSettings field one row, defaults that round-trip, and every row
// reachable through its flag, variable and config key.
#include "settings_table.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "arm_client.hpp"
#include "cli.hpp"
#include "executor.hpp"
#include "planner.hpp"

using namespace vnetdiag;
namespace po = boost::program_options;

namespace {

constexpr Command kCommands[] = {kCheck, kServe, kFix, kEnv};

std::string write_temp(const std::string& text);

// A readable file that is also a valid config file.
const std::string& empty_json_file() {
  static const std::string path = write_temp("{}");
  return path;
}

// A value the row accepts, as text and as JSON text.
std::string sample(const SettingRow& row) {
  switch (row.kind) {
    case Kind::kList:
      return "a.example";
    case Kind::kSeconds:
      return "7";
    case Kind::kChoice:
      return row.choices().back();
    default:
      if (row.value_name == "URL") return "https://management.azure.com";
      return row.value_name == "FILE" ? empty_json_file() : "x";
  }
}

std::string as_text(const CheckSettings& s, const Field& field) {
  if (auto m = std::get_if<Member<std::string>>(&field)) return (s.*(*m)).value;
  if (auto m = std::get_if<Member<bool>>(&field)) return (s.*(*m)).value ? "on" : "off";
  if (auto m = std::get_if<Member<double>>(&field)) {
    std::ostringstream out;
    out << (s.*(*m)).value;
    return out.str();
  }
  if (auto m = std::get_if<Member<std::vector<std::string>>>(&field)) {
    std::string out;
    for (const auto& v : (s.*(*m)).value) out += (out.empty() ? "" : ",") + v;
    return out;
  }
  return "";
}

Origin origin_of(const CheckSettings& s, const Field& field) {
  return std::visit(
      [&](auto m) {
        if constexpr (std::is_same_v<decltype(m), std::monostate>)
          return Origin::kDefault;
        else
          return (s.*m).origin;
      },
      field);
}

// Where a row's field lives in a CheckSettings: [offset, offset + size).
std::pair<std::size_t, std::size_t> extent(const CheckSettings& s, const Field& field) {
  return std::visit(
      [&](auto m) -> std::pair<std::size_t, std::size_t> {
        if constexpr (std::is_same_v<decltype(m), std::monostate>) {
          return {0, 0};
        } else {
          const auto* base = reinterpret_cast<const char*>(&s);
          const auto* at = reinterpret_cast<const char*>(&(s.*m));
          return {static_cast<std::size_t>(at - base), sizeof(s.*m)};
        }
      },
      field);
}

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/vnetdiag-table-XXXXXX";
  const int fd = mkstemp(path);
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(SettingsTable, NamesAreUniqueAndSpelledAlike) {
  std::set<std::string> flags, envs, keys;
  std::set<char> shorts;
  for (const auto& row : settings_table()) {
    EXPECT_TRUE(flags.insert(std::string(row.flag)).second) << row.flag;
    if (!row.off_flag.empty()) {
      EXPECT_TRUE(flags.insert(std::string(row.off_flag)).second);
    }
    if (row.short_flag) {
      EXPECT_TRUE(shorts.insert(row.short_flag).second) << row.flag;
    }
    if (!row.env.empty()) {
      EXPECT_TRUE(envs.insert(std::string(row.env)).second) << row.env;
    }
    if (!row.key.empty()) {
      EXPECT_TRUE(keys.insert(std::string(row.key)).second) << row.key;
    }
    std::string snake(row.flag), upper;
    std::replace(snake.begin(), snake.end(), '-', '_');
    for (char c : snake) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!row.key.empty()) {
      EXPECT_EQ(row.key, snake) << "config key of --" << row.flag;
    }
    if (!row.env.empty()) {
      EXPECT_EQ(row.env, "VNETDIAG_" + upper) << "variable of --" << row.flag;
    }
    EXPECT_FALSE(row.help.empty()) << row.flag;
    EXPECT_NE(row.commands & kAllCommands, 0u) << row.flag;
  }
}

TEST(SettingsTable, EveryCheckSettingsFieldIsExactlyOneRow) {
  const CheckSettings s;
  std::vector<std::pair<std::size_t, std::size_t>> extents;
  for (const auto& row : settings_table()) {
    if (std::holds_alternative<std::monostate>(row.field)) {
      EXPECT_EQ(row.flag, "help") << "only --help fills no field";
      continue;
    }
    extents.push_back(extent(s, row.field));
  }
  std::sort(extents.begin(), extents.end());
  // Disjoint and, together, the whole struct: every member is some row's field, none is two
  // rows'. (A member that is not a Setting<T> of a row fails here: give it a row.)
  std::size_t covered = 0;
  for (const auto& [offset, size] : extents) {
    EXPECT_EQ(offset, covered) << "a field at byte " << covered << " has no row, or two rows";
    covered = offset + size;
  }
  EXPECT_EQ(covered, sizeof(CheckSettings));
}

TEST(SettingsTable, KindsMatchFieldsAndChoicesAreComplete) {
  for (const auto& row : settings_table()) {
    switch (row.kind) {
      case Kind::kList:
        EXPECT_TRUE(std::holds_alternative<Member<std::vector<std::string>>>(row.field));
        break;
      case Kind::kSeconds:
        EXPECT_TRUE(std::holds_alternative<Member<double>>(row.field)) << row.flag;
        break;
      case Kind::kString:
        EXPECT_TRUE(std::holds_alternative<Member<std::string>>(row.field)) << row.flag;
        break;
      case Kind::kChoice:
        ASSERT_TRUE(std::holds_alternative<Member<std::string>>(row.field)) << row.flag;
        ASSERT_NE(row.choices, nullptr) << row.flag;
        EXPECT_FALSE(row.invalid.empty()) << row.flag;
        break;
      case Kind::kSwitch:
        EXPECT_TRUE(row.env.empty() && row.key.empty()) << "switches are flags only: " << row.flag;
        if (std::holds_alternative<Member<std::string>>(row.field)) {
          EXPECT_FALSE(row.on_value.empty()) << row.flag;
        }
        break;
    }
  }
}

TEST(SettingsTable, DefaultsRoundTripAndValidate) {
  const CheckSettings s;
  for (const auto& row : settings_table()) {
    if (std::holds_alternative<std::monostate>(row.field)) continue;
    const std::string shown = default_text(row);
    EXPECT_EQ(as_text(s, row.field), row.kind == Kind::kSwitch && !row.on_value.empty()
                                         ? std::string(row.default_value)
                                         : shown)
        << row.flag;
    EXPECT_EQ(origin_of(s, row.field), Origin::kDefault) << row.flag;
    // The help names a value default, so --help and the docs say what the code does.
    if (row.kind != Kind::kSwitch && !row.default_value.empty()) {
      EXPECT_NE(row.help.find(row.default_value), std::string_view::npos)
          << "--" << row.flag << "'s help does not name its default " << row.default_value;
    }
    if (row.kind == Kind::kChoice && !row.default_value.empty()) {
      const auto c = row.choices();
      EXPECT_NE(std::find(c.begin(), c.end(), std::string(row.default_value)), c.end());
    }
  }
  EXPECT_TRUE(validate(s).ok()) << validate(s).error().message;
}

TEST(SettingsTable, DefaultsAreWhatTheCodeUsesWhenNotGiven) {
  // fix passes a name, budget or timeout on only when given; the table's default must be the
  // one the planner, executor and ARM client use, or --help would lie.
  const CheckSettings s;
  const fix::DesiredNames names;
  EXPECT_EQ(s.vnet_name.value, names.vnet);
  EXPECT_EQ(s.vnet_prefix.value, names.vnet_prefix);
  EXPECT_EQ(s.integration_subnet.value, names.integration_subnet);
  EXPECT_EQ(s.integration_prefix.value, names.integration_prefix);
  EXPECT_EQ(s.endpoint_subnet.value, names.endpoint_subnet);
  EXPECT_EQ(s.endpoint_prefix.value, names.endpoint_prefix);
  EXPECT_EQ(s.location.value, names.location);
  EXPECT_EQ(s.verify_timeout.value, fix::ApplyOptions{}.verify_pacing.budget_s);
  EXPECT_EQ(s.operation_timeout.value, arm::ArmOptions{}.lro_budget_s);
}

TEST(SettingsTable, EveryRowIsReachableByFlagVariableAndKey) {
  for (const auto& row : settings_table()) {
    if (std::holds_alternative<std::monostate>(row.field)) continue;
    const std::string value = sample(row);
    if (!row.env.empty()) {
      CheckSettings s;
      ASSERT_TRUE(apply_environment({{std::string(row.env), value}}, s).ok()) << row.env;
      EXPECT_EQ(origin_of(s, row.field), Origin::kEnvironment) << row.env;
      EXPECT_EQ(as_text(s, row.field), value) << row.env;
    }
    if (!row.key.empty()) {
      const bool number = row.kind == Kind::kSeconds;
      const std::string path = write_temp("{\"" + std::string(row.key) +
                                          "\": " + (number ? value : "\"" + value + "\"") + "}");
      CheckSettings s;
      auto r = apply_config_file(path, s);
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ(origin_of(s, row.field), Origin::kConfig) << row.key;
      EXPECT_EQ(as_text(s, row.field), value) << row.key;
      std::remove(path.c_str());
    }
    for (Command command : kCommands) {
      if (!(row.commands & command)) continue;
      std::vector<std::string> args{"--" + std::string(row.flag)};
      if (row.takes_value()) args.push_back(value);
      po::variables_map vm;
      po::store(po::command_line_parser(args).options(options_for(command)).run(), vm);
      auto s = settings_from(vm, {});
      ASSERT_TRUE(s.ok()) << row.flag << ": " << s.error().message;
      EXPECT_EQ(origin_of(*s, row.field), Origin::kFlag) << row.flag;
      if (row.takes_value()) {
        EXPECT_EQ(as_text(*s, row.field), value) << row.flag;
      }
    }
  }
}

TEST(SettingsTable, EachCommandTakesExactlyItsRows) {
  for (Command command : kCommands) {
    const auto options = options_for(command);
    for (const auto& row : settings_table()) {
      const bool takes = (row.commands & command) != 0;
      EXPECT_EQ(options.find_nothrow(std::string(row.flag), false) != nullptr, takes)
          << command_name(command) << " --" << row.flag;
    }
  }
}

TEST(SettingsTable, RangesAndChoicesComeFromTheTable) {
  const std::map<std::string, std::string> none;
  EXPECT_EQ(parse_check({"--timeout", "0"}, none).error().message,
            "--timeout must be between 0 and 3600 seconds");
  EXPECT_EQ(parse_check({"--route-all", "maybe"}, none).error().message,
            "--route-all must be 'on' or 'off', not 'maybe'");
  EXPECT_EQ(parse_check({"--cloud", "Mars"}, none).error().message,
            "unknown cloud 'Mars': use one of AzureCloud, AzureUSGovernment, AzureChinaCloud");
  EXPECT_TRUE(parse_check({"--cloud", "azureusgovernment"}, none).ok());
  EXPECT_EQ(parse_check({"-o", "JSON"}, none).error().message,
            "unknown output format 'JSON': use text, json, junit, html or svg");
  EXPECT_EQ(parse_check({"--arm", "--no-arm"}, none).error().message,
            "--arm and --no-arm contradict each other: give one");
  CheckSettings s;
  s.interval.set(1, Origin::kFlag);  // the minimum itself is allowed
  s.arm_interval.set(0, Origin::kFlag);
  EXPECT_TRUE(validate(s).ok());
  s.interval.set(0.5, Origin::kFlag);
  EXPECT_EQ(validate(s).error().message, "--interval must be between 1 and 86400 seconds");
}
