#pragma once
// Finding ids checked at compile time: a FindingId can only be made from an id that the
// catalogue (finding_table.hpp) has, so a misspelt id does not compile.
#include <cstddef>
#include <string>
#include <string_view>

#include "finding_table.hpp"
#include "model.hpp"

namespace vnetdiag {

namespace catalogue_detail {
consteval bool ids_unique() {
  for (std::size_t i = 0; i < kCatalogue.size(); ++i)
    for (std::size_t j = i + 1; j < kCatalogue.size(); ++j)
      if (kCatalogue[i].id == kCatalogue[j].id) return false;
  return true;
}
static_assert(ids_unique(), "two catalogue entries share an id");

// A one-element marker read past its end when an id is not found: that read is not a constant
// expression, so the compiler stops there and names the marker. (A `throw` or a call to a
// non-constexpr function would read better, but g++ 10, which builds the bundle, rejects both
// inside a consteval function even when they are never reached.)
inline constexpr std::size_t finding_id_not_in_the_catalogue[1] = {0};

consteval std::size_t index_of(std::string_view id) {
  std::size_t i = 0;
  while (i < kCatalogue.size() && kCatalogue[i].id != id) ++i;
  return i + finding_id_not_in_the_catalogue[i < kCatalogue.size() ? 0 : 1];
}
}  // namespace catalogue_detail

class FindingId {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): ids are written as literals on purpose
  consteval FindingId(const char* id) : index_(catalogue_detail::index_of(id)) {}
  constexpr const FindingSpec& spec() const { return kCatalogue[index_]; }
  constexpr std::string_view text() const { return kCatalogue[index_].id; }
  friend constexpr bool operator==(FindingId a, FindingId b) { return a.index_ == b.index_; }

 private:
  std::size_t index_;
};

// True when the finding carries this id.
inline bool is(const Finding& finding, FindingId id) { return finding.id == id.text(); }

// nullptr for an id that is not in the table (ids read back from outside data).
const FindingSpec* find_spec(std::string_view id);

// A finding filled from the table, with the target and a detail appended to the title.
Finding make_finding(FindingId id, const std::string& target, const std::string& detail);

}  // namespace vnetdiag
