#include "address_class.hpp"

#include <gtest/gtest.h>

using namespace vnetdiag;

TEST(AddressClass, Rfc1918Ranges) {
  EXPECT_EQ(classify_address("10.0.1.4"), AddressClass::kRfc1918);
  EXPECT_EQ(classify_address("172.16.0.1"), AddressClass::kRfc1918);
  EXPECT_EQ(classify_address("172.31.255.255"), AddressClass::kRfc1918);
  EXPECT_EQ(classify_address("192.168.10.1"), AddressClass::kRfc1918);
}

TEST(AddressClass, EdgesOutsideRfc1918) {
  EXPECT_EQ(classify_address("172.32.0.1"), AddressClass::kPublic);
  EXPECT_EQ(classify_address("172.15.255.255"), AddressClass::kPublic);
  EXPECT_EQ(classify_address("11.0.0.1"), AddressClass::kPublic);
  EXPECT_EQ(classify_address("203.0.113.10"), AddressClass::kPublic);
}

TEST(AddressClass, OtherPrivateRangesAreNotRfc1918) {
  EXPECT_EQ(classify_address("100.64.0.4"), AddressClass::kSharedCgnat);
  EXPECT_EQ(classify_address("100.127.255.1"), AddressClass::kSharedCgnat);
  EXPECT_EQ(classify_address("100.128.0.1"), AddressClass::kPublic);
  EXPECT_TRUE(is_private_endpoint_class(classify_address("100.64.0.4")));
}

TEST(AddressClass, Ipv6) {
  EXPECT_EQ(classify_address("fd00:1::4"), AddressClass::kUniqueLocal);
  EXPECT_EQ(classify_address("2001:db8::1"), AddressClass::kPublic);
  EXPECT_EQ(classify_address("::1"), AddressClass::kLoopback);
  EXPECT_EQ(classify_address("fe80::1"), AddressClass::kLinkLocal);
  EXPECT_EQ(classify_address("::ffff:10.0.0.1"), AddressClass::kRfc1918);
}

TEST(AddressClass, GarbageIsInvalid) {
  EXPECT_EQ(classify_address(""), AddressClass::kInvalid);
  EXPECT_EQ(classify_address("10.0.0"), AddressClass::kInvalid);
  EXPECT_EQ(classify_address("vault"), AddressClass::kInvalid);
  EXPECT_FALSE(is_private_endpoint_class(AddressClass::kInvalid));
}
