#include "engine/file_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/scratch_dir_test_util.h"

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
  const ScratchDir scratch("keyward_file_reader_test");
  const fs::path& root = scratch.path();
  for (const char* name :
       {"b.yaml", "a.yml", "sub/c.yaml", ".git/x.yaml", "node_modules/y.yaml", "z.txt"}) {
    scratch.Write(name, "k: v\n");
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
}

TEST(RealFileReaderTest, ReadRegularFileRefusesSymlinksFifosAndOversizedFiles) {
  namespace fs = std::filesystem;
  const ScratchDir scratch("keyward_regular_file_test");
  const fs::path& root = scratch.path();
  scratch.Write("value.txt", "s3cret");
  scratch.Write("big.txt", std::string(100, 'x'));
  fs::create_symlink(root / "value.txt", root / "link.txt");
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
  RealFileReader reader;

  EXPECT_EQ(*reader.ReadRegularFile((root / "value.txt").string(), 100), "s3cret");
  auto link = reader.ReadRegularFile((root / "link.txt").string(), 100);
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(link.error().message, ::testing::HasSubstr("is a symbolic link"));
  // Opening a FIFO for reading would wait for a writer forever; it is refused at once.
  auto fifo = reader.ReadRegularFile((root / "fifo").string(), 100);
  ASSERT_FALSE(fifo);
  EXPECT_THAT(fifo.error().message, ::testing::HasSubstr("not a regular file"));
  auto big = reader.ReadRegularFile((root / "big.txt").string(), 99);
  ASSERT_FALSE(big);
  EXPECT_THAT(big.error().message, ::testing::HasSubstr("larger than 99 bytes"));
  EXPECT_EQ(reader.ReadRegularFile((root / "none").string(), 9).error().code, ErrorCode::kNotFound);
  // /proc files claim size 0 and hold more: the byte count read decides.
  EXPECT_FALSE(reader.ReadRegularFile("/proc/self/status", 8));

  EXPECT_TRUE(reader.Stat((root / "link.txt").string())->regular) << "Stat follows symlinks";
  EXPECT_EQ(reader.Stat((root / "big.txt").string())->size, 100u);
  EXPECT_FALSE(reader.Stat((root / "fifo").string())->regular);
  EXPECT_FALSE(reader.Stat(root.string())->regular);
  EXPECT_EQ(reader.Stat((root / "none").string()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(reader.AbsolutePath((root / "link.txt").string()), (root / "value.txt").string())
      << "AbsolutePath resolves symlinks";
}

TEST(RealFileReaderTest, ReadIsBoundedAndTheWalkReadsEachDirectoryOnce) {
  namespace fs = std::filesystem;
  const ScratchDir scratch("keyward_bounded_read_test");
  const fs::path& root = scratch.path();
  fs::create_directories(root / "m" / "sub");
  scratch.Write("m/a.yaml", "k: v\n");
  ASSERT_EQ(::mkfifo((root / "pipe.yaml").c_str(), 0600), 0);
  fs::create_symlink("/dev/zero", root / "zero.yaml");
  std::ofstream(root / "big.yaml").close();
  fs::resize_file(root / "big.yaml", kMaxReadBytes + 1);  // sparse: no 4 MiB written
  RealFileReader reader;

  // A FIFO would block the open (no writer) or the read; /dev/zero would never end.
  auto fifo = reader.Read((root / "pipe.yaml").string());
  ASSERT_FALSE(fifo);
  EXPECT_THAT(fifo.error().message, ::testing::HasSubstr("is a FIFO (named pipe), not a regular"));
  auto zero = reader.Read((root / "zero.yaml").string());
  ASSERT_FALSE(zero);
  EXPECT_THAT(zero.error().message, ::testing::HasSubstr("is a character device"));
  auto big = reader.Read((root / "big.yaml").string());
  ASSERT_FALSE(big);
  EXPECT_THAT(big.error().message, ::testing::HasSubstr("larger than 4 MiB"));
  // Read follows links (a linked manifest is read) and reads files whose size fstat does not
  // know (/proc) to the end.
  fs::create_symlink(root / "m" / "a.yaml", root / "m" / "link.yaml");
  EXPECT_EQ(*reader.Read((root / "m" / "link.yaml").string()), "k: v\n");
  auto status = reader.Read("/proc/self/status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_THAT(*status, ::testing::HasSubstr("\nVmRSS:"));

  // Two `ln -s . x` style links: an error naming the link, not an endless walk.
  fs::create_symlink(".", root / "m" / "sub" / "again");
  fs::create_symlink("..", root / "m" / "sub" / "up");
  auto walked = reader.ListManifestFiles((root / "m").string());
  ASSERT_FALSE(walked);
  EXPECT_THAT(walked.error().message,
              ::testing::HasSubstr("a directory that is already being read"));
  EXPECT_THAT(walked.error().message,
              ::testing::ContainsRegex("/sub/(again \\(-> \\.\\)|up \\(-> \\.\\.\\))"));
}

TEST(FakeFileReaderTest, AbsolutePathNormalizesAndFakePathsNameTheSameFiles) {
  FakeFileReader files;
  files.AddFile("m/a.txt", "a");
  files.AddSpecialFile("m/fifo");
  EXPECT_EQ(files.AbsolutePath("m/x/../a.txt"), "/fake/m/a.txt");
  EXPECT_EQ(files.AbsolutePath("/etc/../etc/shadow"), "/etc/shadow");
  EXPECT_EQ(*files.ReadRegularFile("/fake/m/a.txt", 10), "a");
  EXPECT_FALSE(files.Stat("m/fifo")->regular);
  EXPECT_FALSE(files.ReadRegularFile("m/a.txt", 0));
}

}  // namespace
}  // namespace keyward::engine
