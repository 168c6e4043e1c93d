#include "secrets.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "scrubbed_stream.hpp"

namespace vnetdiag {
namespace {

TEST(Secrets, RememberedValuesAndTheirFormEncodingAreScrubbed) {
  secrets::remember("s3cr3t/value+with=signs");
  EXPECT_EQ(secrets::scrub("a s3cr3t/value+with=signs b"), "a [redacted] b");
  EXPECT_EQ(secrets::scrub("client_secret=s3cr3t%2Fvalue%2Bwith%3Dsigns&x=1"),
            "client_secret=[redacted]&x=1");
  EXPECT_EQ(secrets::scrub("twice s3cr3t/value+with=signss3cr3t/value+with=signs"),
            "twice [redacted][redacted]");
}

TEST(Secrets, ShortValuesAreNotSecretsAndOtherTextIsKept) {
  secrets::remember("1");
  secrets::remember("");
  EXPECT_EQ(secrets::scrub("WEBSITE_VNET_ROUTE_ALL=1"), "WEBSITE_VNET_ROUTE_ALL=1");
}

TEST(Secrets, ALongerSecretContainingAnotherIsReplacedWhole) {
  secrets::remember("inner-secret-42");
  secrets::remember("outer-inner-secret-42-tail");
  EXPECT_EQ(secrets::scrub("[outer-inner-secret-42-tail]"), "[[redacted]]");
}

TEST(ScrubbedStream, ScrubsEachLineAndFlushesThePartialOneOnSync) {
  secrets::remember("stream-secret-value");
  std::ostringstream target;
  {
    ScrubbedStream filter(target);
    target << "line stream-secret-";
    EXPECT_EQ(target.rdbuf()->pubsync(), 0);  // a partial line is written on flush
    target << "x\nnext stream-secret-value\nlast stream-secret-value";
  }
  EXPECT_EQ(target.str(), "line stream-secret-x\nnext [redacted]\nlast [redacted]");
}

}  // namespace
}  // namespace vnetdiag
