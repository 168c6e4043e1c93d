// The evidence bundle's archive writer, read back by GNU tar: names, contents of every size
// (empty, one block exactly, past a block), a long name refused.
#include "tar_gz.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  char buf[4096];
  while (pipe && !feof(pipe.get())) out.append(buf, fread(buf, 1, sizeof buf, pipe.get()));
  return out;
}

TEST(TarGz, GnuTarReadsBackEveryFileAsWritten) {
  const std::string path = ::testing::TempDir() + "/bundle.tar.gz";
  const std::vector<vnetdiag::ArchiveFile> files = {
      {"MANIFEST.txt", "what is in it\n"},
      {"empty.txt", ""},
      {"block.bin", std::string(512, 'x')},
      {"dir/long.json", std::string(1300, 'y') + "\n"}};
  ASSERT_FALSE(vnetdiag::write_tar_gz(path, files));
  EXPECT_EQ(run("tar -tzf " + path), "MANIFEST.txt\nempty.txt\nblock.bin\ndir/long.json\n");
  for (const auto& f : files)
    EXPECT_EQ(run("tar -xzOf " + path + " " + f.name), f.contents) << f.name;
  EXPECT_EQ(run("stat -c %a " + path), "600\n");
  EXPECT_TRUE(vnetdiag::write_tar_gz(path, {{std::string(101, 'n'), "x"}}));
  EXPECT_TRUE(vnetdiag::write_tar_gz("/nonexistent-dir/x.tar.gz", files));
}

}  // namespace
