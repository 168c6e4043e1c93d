// check --all-instances: reading instance report files (hostile ones too), where instances
// differ, the verdict, serve's instance file, and the command against a routed fake transport
// (ARM's paged sites/instances list, Kudu's VFS answers, where the token may go).
#include "all_instances.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "check_command.hpp"
#include "fake_arm_transport.hpp"
#include "instance_diff.hpp"
#include "instance_file.hpp"

using namespace vnetdiag;
using nlohmann::json;

namespace {

std::string iso(double unix_s) {
  const auto t = static_cast<std::time_t>(unix_s);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buf;
}

double now() { return static_cast<double>(std::time(nullptr)); }

json finding(const std::string& id, const std::string& target, const std::string& severity) {
  return {{"id", id}, {"target", target}, {"severity", severity}, {"layer", "dns"}};
}

// A report as serve writes it, `age` seconds old.
std::string report(const std::string& verdict, const json& findings, double age = 10,
                   double interval = 30) {
  json j = {{"vnetdiag_instance",
             {{"instance", "x"}, {"written_at", iso(now() - age)}, {"interval_s", interval}}},
            {"schema_version", "1.0"},
            {"started_at", iso(now() - age - 1)},
            {"verdict", verdict},
            {"findings", findings},
            {"targets", json::array({{{"name", "kv1.vault.azure.net"}},
                                     {{"name", "cs1.cognitiveservices.azure.com"}}})}};
  return j.dump();
}

const json kUnlinked =
    json::array({finding("dns.public_address", "kv1.vault.azure.net", "critical"),
                 finding("dns.ok", "cs1.cognitiveservices.azure.com", "ok")});
const json kHealthy = json::array({finding("dns.ok", "kv1.vault.azure.net", "ok")});

std::string temp_dir() {
  char name[] = "/tmp/vnetdiag-instances-XXXXXX";
  return mkdtemp(name) ? name : "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(InstanceReport, ParsesAServeReport) {
  const auto r = read_instance_report("i1", report("critical", kUnlinked), now());
  ASSERT_TRUE(r.judged()) << r.error;
  EXPECT_EQ(r.verdict, Severity::kCritical);
  EXPECT_EQ(r.problems, std::vector<std::string>{"dns.public_address@kv1.vault.azure.net"});
  EXPECT_EQ(r.targets.at("kv1.vault.azure.net"), Severity::kCritical);
  EXPECT_EQ(r.targets.at("cs1.cognitiveservices.azure.com"), Severity::kOk);
  ASSERT_TRUE(r.age_s);
  EXPECT_NEAR(*r.age_s, 10, 2);
}

TEST(InstanceReport, HostileBodiesAreNamedNeverJudged) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not a JSON object"},
      {"not json", "not a JSON object"},
      {"[1,2]", "not a JSON object"},
      {deep, "not a JSON object"},
      {"{\"verdict\": 7, \"started_at\": \"" + iso(now()) + "\", \"findings\": []}", "no verdict"},
      {"{\"verdict\": \"ok\", \"findings\": []}", "does not say when"},
      {"{\"verdict\": \"ok\", \"started_at\": \"yesterday\", \"findings\": []}",
       "does not say when"},
      {"{\"verdict\": \"ok\", \"started_at\": \"" + iso(now()) + "\", \"findings\": 3}",
       "no findings list"},
      {"{\"status\": \"pending\", \"reason\": \"no check has finished yet\"}", "pending"},
      {report("ok", kHealthy, 4000), "stale"},
      {report("ok", kHealthy, 100, 30), "stale"},
      {"{\"vnetdiag_instance\": {\"written_at\": \"" + iso(now()) +
           "\", \"check_error\": \"resolv.conf unreadable\"}, \"status\": \"error\"}",
       "could not run: resolv.conf unreadable"},
      {std::string(17 * 1024 * 1024, ' '), "larger than 16 MiB"},
  };
  for (const auto& [body, why] : cases) {
    const auto r = read_instance_report("i1", body, now());
    EXPECT_FALSE(r.judged()) << body.substr(0, 80);
    EXPECT_NE(r.error.find(why), std::string::npos) << r.error << " / " << body.substr(0, 80);
  }
  // Findings of the wrong shape are skipped, not trusted; control characters do not reach output.
  json odd = json::array({1,
                          "x",
                          json::object(),
                          finding("a\nb", "t", "critical"),
                          {{"id", "y"}, {"severity", "fatal"}}});
  const auto r = read_instance_report("i1", report("critical", odd), now());
  ASSERT_TRUE(r.judged()) << r.error;
  EXPECT_EQ(r.problems, std::vector<std::string>{"a b@t"});
}

TEST(InstanceReport, StaleAfterThreeIntervalsOrFifteenMinutes) {
  EXPECT_EQ(stale_after_s(30.0), 90);
  EXPECT_EQ(stale_after_s(std::nullopt), 900);
  EXPECT_EQ(stale_after_s(-1.0), 900);
  EXPECT_TRUE(read_instance_report("i", report("ok", kHealthy, 80, 30), now()).judged());
  EXPECT_TRUE(parse_iso_utc("2024-05-01T10:00:00.123Z"));
  EXPECT_FALSE(parse_iso_utc("2024-05-01T10:00:00+02:00"));
  EXPECT_FALSE(parse_iso_utc("2024-13-01T10:00:00Z"));
}

TEST(InstanceDiff, NamesWhatDiffersAndWhoIsNotJudged) {
  std::vector<InstanceReport> all = {
      read_instance_report("a", report("critical", kUnlinked), now()),
      read_instance_report("b", report("ok", kHealthy), now()),
      read_instance_report("c", "", now())};
  const auto d = differences(all);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].problem, "dns.public_address@kv1.vault.azure.net");
  EXPECT_EQ(d[0].severity, Severity::kCritical);
  EXPECT_EQ(d[0].present_on, std::vector<std::string>{"a"});
  EXPECT_EQ(d[0].absent_on, std::vector<std::string>{"b"});
  EXPECT_EQ(gather_verdict(all), Severity::kCritical);  // a known failure stays critical
  all[0] = read_instance_report("a", report("warning", kHealthy), now());
  EXPECT_EQ(gather_verdict(all), Severity::kUnknown);  // c not read: not ok, not warning
  all.pop_back();
  EXPECT_EQ(gather_verdict(all), Severity::kWarning);
  EXPECT_TRUE(differences(all).empty());
  EXPECT_EQ(gather_verdict({}), Severity::kUnknown);
}

TEST(InstanceDiff, AnInstanceThatDoesNotCheckTheTargetIsNotCountedAsHealthyThere) {
  json only_cs = json::parse(report("ok", json::array()));
  only_cs["targets"] = json::array({{{"name", "cs1.cognitiveservices.azure.com"}}});
  const auto d = differences({read_instance_report("a", report("critical", kUnlinked), now()),
                              read_instance_report("b", report("ok", kHealthy), now()),
                              read_instance_report("d", only_cs.dump(), now())});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].absent_on, std::vector<std::string>{"b"});
  EXPECT_EQ(d[0].not_checked_on, std::vector<std::string>{"d"});
  // Only instances that do not check the target: no difference to show.
  EXPECT_TRUE(differences({read_instance_report("a", report("critical", kUnlinked), now()),
                           read_instance_report("d", only_cs.dump(), now())})
                  .empty());
}

TEST(InstanceReport, AReportDatedInTheFutureIsNotJudged) {
  const auto r = read_instance_report("f", report("ok", kHealthy, -3600), now());
  EXPECT_FALSE(r.judged());
  EXPECT_NE(r.error.find("in the future"), std::string::npos) << r.error;
  EXPECT_TRUE(read_instance_report("g", report("ok", kHealthy, -60), now()).judged());  // skew
}

TEST(InstanceFile, NameBodyAndAtomicWrite) {
  EXPECT_EQ(instance_file_name("0a1b2c"), "0a1b2c.json");
  EXPECT_EQ(instance_file_name("../etc/passwd"), "_._etc_passwd.json");
  EXPECT_EQ(instance_file_name(""), "");
  EXPECT_EQ(instance_file_name(std::string(300, 'a')), "");
  EXPECT_EQ(instances_dir("", "id", {{"HOME", "/home"}, {"WEBSITE_SITE_NAME", "app"}}),
            "/home/LogFiles/vnetdiag/instances");
  // Outside App Service HOME is a person's: nothing is written there unasked.
  EXPECT_EQ(instances_dir("", "id", {{"HOME", "/root"}}), "");
  EXPECT_EQ(instances_dir("", "", {{"HOME", "/home"}}), "");
  EXPECT_EQ(instances_dir("/x", "", {}), "/x");

  Snapshot s;
  EXPECT_EQ(instance_file_body(s, "id", 30, now()), "");  // no check yet: nothing to write
  s.runs = 1;
  s.has_report = true;
  s.report_json = "{\n  \"schema_version\": \"1.0\",\n  \"verdict\": \"ok\"\n}\n";
  const json body = json::parse(instance_file_body(s, "id", 30, now()));
  EXPECT_EQ(body["vnetdiag_instance"]["instance"], "id");
  EXPECT_EQ(body["vnetdiag_instance"]["interval_s"], 30);
  EXPECT_EQ(body["verdict"], "ok");
  s.has_report = false;
  s.error = "boom";
  s.report_json = "{\"status\":\"error\",\"reason\":\"the check could not run: boom\"}\n";
  const auto failed = read_instance_report("id", instance_file_body(s, "id", 30, now()), now());
  EXPECT_NE(failed.error.find("could not run: boom"), std::string::npos) << failed.error;

  const std::string dir = temp_dir() + "/a/b";
  EXPECT_EQ(write_file_atomically(dir, "id.json", "{}\n"), "");
  EXPECT_EQ(read_file(dir + "/id.json"), "{}\n");
  struct stat st {};
  ASSERT_EQ(stat((dir + "/id.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_NE(write_file_atomically("/proc/no/such", "id.json", "{}"), "");
}

TEST(Kudu, FailuresSayWhy) {
  EXPECT_EQ(kudu_failure(200, "", "/p"), "");
  EXPECT_NE(kudu_failure(403, "", "/p").find("sites/publish/Action"), std::string::npos);
  EXPECT_NE(kudu_failure(404, "", "/p").find("no report"), std::string::npos);
  EXPECT_NE(kudu_failure(0, "timed out", "/p").find("did not answer"), std::string::npos);
  const json site = {
      {"properties",
       {{"hostNameSslStates",
         json::array({{{"name", "app.azurewebsites.net"}, {"hostType", "Standard"}},
                      {{"name", "app.scm.azurewebsites.net"}, {"hostType", "Repository"}}})}}}};
  EXPECT_EQ(scm_host_of(site), "app.scm.azurewebsites.net");
  EXPECT_EQ(scm_host_of({{"properties", {{"enabledHostNames", {"a.net", "a.scm.b.net"}}}}}),
            "a.scm.b.net");
  EXPECT_EQ(scm_host_of(json::array()), "");
  EXPECT_EQ(instances_from_items(
                {{{"name", "i1"}, {"properties", {{"state", "READY"}}}}, {{"name", 3}}, json("x")})
                .size(),
            1u);
}

// The whole command over the fake transport.
class AllInstancesCommand : public ::testing::Test {
 protected:
  const std::string kSite =
      "/subscriptions/sub1/resourcegroups/rg1/providers/microsoft.web/sites/app1";
  std::string dir_ = temp_dir();
  std::string token_ = dir_ + "/token";

  void SetUp() override {
    fake_arm::reset();
    std::ofstream(token_) << "eyJ0eXAiOiJKV1QifQ.e30.canarytokenvalue123\n";
    std::ofstream(dir_ + "/resolv.conf") << "nameserver 127.0.0.1\n";
    // Two pages: nextLink on the ARM origin.
    fake_arm::route("GET", kSite + "/instances", [](const arm::HttpRequest& r) {
      if (r.url.find("skipToken") == std::string::npos)
        return fake_arm::json_response(
            200, {{"value",
                   {{{"name", "i1"}, {"properties", {{"state", "READY"}}}},
                    {{"name", "i2"}, {"properties", {{"state", "READY"}}}}}},
                  {"nextLink",
                   "https://management.azure.com/subscriptions/sub1/resourceGroups/rg1/providers/"
                   "Microsoft.Web/sites/app1/instances?api-version=2023-12-01&$skipToken=p2"}});
      return fake_arm::json_response(200, {{"value", {{{"name", "i3"}}, {{"name", "i4"}}}}});
    });
    fake_arm::answer(
        "GET", kSite, 200,
        {{"name", "app1"},
         {"properties",
          {{"hostNameSslStates",
            {{{"name", "app1.scm.azurewebsites.net"}, {"hostType", "Repository"}}}}}}});
    const std::string vfs = "/api/vfs/logfiles/vnetdiag/instances/";
    fake_arm::answer("GET", vfs + "i1.json", 200, json::parse(report("critical", kUnlinked)));
    fake_arm::answer("GET", vfs + "i2.json", 200, json::parse(report("ok", kHealthy)));
    fake_arm::route("GET", vfs + "i3.json", [](const arm::HttpRequest&) {
      arm::HttpResponse r;
      r.status = 200;
      r.body = "<html>not json";
      return r;
    });
    fake_arm::answer("GET", vfs + "i4.json", 403, {{"Message", "forbidden"}});
  }

  int run(std::vector<std::string> extra, std::string* out_text, std::string* err_text) {
    std::vector<std::string> args = {"--all-instances",
                                     "--app",
                                     "app1",
                                     "--resource-group",
                                     "rg1",
                                     "--subscription",
                                     "sub1",
                                     "--token-file",
                                     token_,
                                     "--resolv-conf",
                                     dir_ + "/resolv.conf"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::ostringstream out, err;
    const int code = check_command(args, {}, out, err, false);
    *out_text = out.str();
    *err_text = err.str();
    return code;
  }
};

TEST_F(AllInstancesCommand, PagesReadsKuduAndNamesEveryInstance) {
  std::string out, err;
  const int code = run({"-o", "json"}, &out, &err);
  EXPECT_EQ(code, 2) << out << err;  // i1 is critical; i3 and i4 unread do not hide that
  const json j = json::parse(out);
  ASSERT_EQ(j["instances"].size(), 4u) << out;
  EXPECT_EQ(j["instances"][0]["verdict"], "critical");
  EXPECT_EQ(j["instances"][1]["verdict"], "ok");
  EXPECT_NE(j["instances"][2]["error"].get<std::string>().find("not a JSON object"),
            std::string::npos);
  EXPECT_NE(j["instances"][3]["error"].get<std::string>().find("403"), std::string::npos);
  EXPECT_EQ(j["differences"][0]["finding"], "dns.public_address@kv1.vault.azure.net");
  EXPECT_EQ(j["differences"][0]["absent_on"], json::array({"i2"}));
  EXPECT_EQ(j["verdict"], "critical");
  EXPECT_EQ(out.find("canarytokenvalue123"), std::string::npos);
  // The token went to ARM and to the app's own SCM host, nowhere else.
  for (const auto& r : fake_arm::sent())
    EXPECT_TRUE(r.url.rfind("https://management.azure.com/", 0) == 0 ||
                r.url.rfind("https://app1.scm.azurewebsites.net/api/vfs/", 0) == 0)
        << r.url;
}

TEST_F(AllInstancesCommand, TextTableAndUnknownWhenOnlyUnreadAndOk) {
  fake_arm::answer("GET", "/api/vfs/logfiles/vnetdiag/instances/i1.json", 404, {});
  std::string out, err;
  EXPECT_EQ(run({}, &out, &err), 3) << out << err;
  EXPECT_NE(out.find("not judged i1"), std::string::npos) << out;
  EXPECT_NE(out.find("no report"), std::string::npos) << out;
  EXPECT_NE(out.find("verdict: unknown"), std::string::npos) << out;
}

TEST_F(AllInstancesCommand, AnScmHostOutsideTheCloudGetsNoToken) {
  fake_arm::answer("GET", kSite, 200,
                   {{"properties",
                     {{"hostNameSslStates",
                       {{{"name", "app1.scm.evil.example"}, {"hostType", "Repository"}}}}}}});
  std::string out, err;
  EXPECT_EQ(run({"-o", "json"}, &out, &err), 3);
  for (const auto& r : fake_arm::sent())
    EXPECT_EQ(r.url.find("evil.example"), std::string::npos) << r.url;
  EXPECT_NE(out.find("refused, the token was not sent"), std::string::npos) << out;
}

TEST_F(AllInstancesCommand, SharedDirectoryFirstAndScmEndpointChecked) {
  const std::string shared = dir_ + "/shared";
  ASSERT_EQ(write_file_atomically(shared, "i1.json", report("ok", kHealthy)), "");
  ASSERT_EQ(write_file_atomically(shared, "i2.json", report("ok", kHealthy)), "");
  ASSERT_EQ(write_file_atomically(shared, "i3.json", report("ok", kHealthy)), "");
  ASSERT_EQ(write_file_atomically(shared, "i4.json", report("ok", kHealthy)), "");
  std::string out, err;
  EXPECT_EQ(run({"--instances-dir", shared}, &out, &err), 0) << out << err;
  for (const auto& r : fake_arm::sent()) EXPECT_EQ(r.url.find("/api/vfs/"), std::string::npos);
  EXPECT_EQ(run({"--scm-endpoint", "http://127.0.0.1:1"}, &out, &err), 3);
  EXPECT_NE(err.find("https://"), std::string::npos) << err;
  EXPECT_EQ(run({"--scm-endpoint", "https://127.0.0.1:1"}, &out, &err), 3);
  EXPECT_NE(err.find("--arm-ca-bundle"), std::string::npos) << err;
  EXPECT_EQ(run({"-o", "junit"}, &out, &err), 3);
}
