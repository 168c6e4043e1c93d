# The release bundle's static dependencies (-DVNETDIAG_STATIC_DEPS=PREFIX, set by
# packaging/bundle/build-bundle.sh): libcurl from PREFIX (packaging/bundle/minimal-curl.sh: HTTP
# and HTTPS only, so none of the libraries of Debian's libcurl is loaded), and the system's
# libcares.a and, with VNETDIAG_STATIC_OPENSSL (default ON), libssl.a/libcrypto.a. Included by the
# top-level CMakeLists.txt after its find_package() calls: it re-points the imported targets they
# made, so every target keeps linking CURL::libcurl, PkgConfig::CARES and OpenSSL::SSL as in the
# development build, which this file does not touch.
option(VNETDIAG_STATIC_OPENSSL "With VNETDIAG_STATIC_DEPS, link OpenSSL statically too" ON)

set(_prefix "${VNETDIAG_STATIC_DEPS}")
if(NOT EXISTS "${_prefix}/lib/libcurl.a" OR NOT EXISTS "${_prefix}/include/curl/curl.h")
  message(FATAL_ERROR "VNETDIAG_STATIC_DEPS=${_prefix} has no lib/libcurl.a and include/curl/curl.h "
                      "(packaging/bundle/minimal-curl.sh ${_prefix} makes them)")
endif()

function(_vnetdiag_static_archive var name)
  find_library(VNETDIAG_LIB${name}_A NAMES lib${name}.a)
  if(NOT VNETDIAG_LIB${name}_A)
    message(FATAL_ERROR "VNETDIAG_STATIC_DEPS: no lib${name}.a found (its -dev package ships it)")
  endif()
  set(${var} "${VNETDIAG_LIB${name}_A}" PARENT_SCOPE)
endfunction()

if(VNETDIAG_STATIC_OPENSSL)
  _vnetdiag_static_archive(_ssl_a ssl)
  _vnetdiag_static_archive(_crypto_a crypto)
  set_target_properties(OpenSSL::Crypto PROPERTIES IMPORTED_LOCATION "${_crypto_a}")
  set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads ${CMAKE_DL_LIBS})
  set_target_properties(OpenSSL::SSL PROPERTIES IMPORTED_LOCATION "${_ssl_a}")
endif()

_vnetdiag_static_archive(_cares_a cares)
set_target_properties(PkgConfig::CARES PROPERTIES INTERFACE_LINK_LIBRARIES "${_cares_a}"
                      INTERFACE_COMPILE_DEFINITIONS CARES_STATICLIB)

# The prefix's headers come before the system's (those are implicit include directories, searched last).
set_target_properties(CURL::libcurl PROPERTIES
  IMPORTED_LOCATION "${_prefix}/lib/libcurl.a"
  INTERFACE_INCLUDE_DIRECTORIES "${_prefix}/include"
  INTERFACE_COMPILE_DEFINITIONS CURL_STATICLIB
  INTERFACE_LINK_LIBRARIES "OpenSSL::SSL;OpenSSL::Crypto;ZLIB::ZLIB;Threads::Threads")
message(STATUS "Static dependencies: libcurl from ${_prefix}, ${_cares_a}, static OpenSSL: ${VNETDIAG_STATIC_OPENSSL}")

# libstdc++, libgcc and Boost.Program_options linked in as well: fewer libraries to map.
option(VNETDIAG_STATIC_CXX "With VNETDIAG_STATIC_DEPS, link libstdc++, libgcc and Boost.Program_options statically" OFF)
if(VNETDIAG_STATIC_CXX)
  _vnetdiag_static_archive(_po_a boost_program_options)
  set_target_properties(Boost::program_options PROPERTIES IMPORTED_LOCATION "${_po_a}"
                        IMPORTED_LOCATION_RELEASE "${_po_a}" IMPORTED_LOCATION_RELWITHDEBINFO "${_po_a}"
                        IMPORTED_LOCATION_DEBUG "${_po_a}")
  add_link_options(-static-libstdc++ -static-libgcc)
endif()
