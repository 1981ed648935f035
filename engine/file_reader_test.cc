#include "engine/file_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace keyward::engine {
namespace {

using ::testing::ElementsAre;

TEST(FakeFileReaderTest, ListsManifestsRecursivelySortedSkippingHiddenAndNodeModules) {
  FakeFileReader files;
  files.AddFile("m/b.yaml", "");
  files.AddFile("m/a.yml", "");
  files.AddFile("m/sub/c.yaml", "");
  files.AddFile("m/.git/d.yaml", "");
  files.AddFile("m/node_modules/e.yaml", "");
  files.AddFile("m/.hidden.yaml", "");
  files.AddFile("m/notes.txt", "");
  files.AddFile("other/f.yaml", "");
  auto listed = files.ListManifestFiles("m");
  ASSERT_TRUE(listed);
  EXPECT_THAT(*listed, ElementsAre("m/a.yml", "m/b.yaml", "m/sub/c.yaml"));
  EXPECT_TRUE(files.IsDirectory("m"));
  EXPECT_TRUE(files.IsDirectory("m/sub/"));
  EXPECT_FALSE(files.IsDirectory("m/b.yaml"));
  EXPECT_TRUE(files.IsFile("./m/b.yaml"));
  EXPECT_FALSE(files.ListManifestFiles("nope"));
  EXPECT_EQ(files.Read("nope.yaml").error().code, ErrorCode::kNotFound);
}

TEST(RealFileReaderTest, ReadsAndListsTheDisk) {
  namespace fs = std::filesystem;
  const fs::path root =
      fs::temp_directory_path() / ("keyward_file_reader_test_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "sub");
  fs::create_directories(root / ".git");
  fs::create_directories(root / "node_modules");
  for (const char* name :
       {"b.yaml", "a.yml", "sub/c.yaml", ".git/x.yaml", "node_modules/y.yaml", "z.txt"}) {
    std::ofstream(root / name) << "k: v\n";
  }
  RealFileReader reader;
  auto listed = reader.ListManifestFiles(root.string());
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_THAT(*listed, ElementsAre((root / "a.yml").string(), (root / "b.yaml").string(),
                                   (root / "sub/c.yaml").string()));
  EXPECT_EQ(*reader.Read((root / "b.yaml").string()), "k: v\n");
  EXPECT_EQ(reader.Read((root / "missing.yaml").string()).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(reader.Read(root.string()));
  EXPECT_TRUE(reader.IsDirectory(root.string()));
  EXPECT_TRUE(reader.IsFile((root / "b.yaml").string()));
  fs::remove_all(root);
}

}  // namespace
}  // namespace keyward::engine
