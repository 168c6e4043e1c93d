# Debian package for Debian 12 (and images built on it): cpack -G DEB in the build tree, or
# packaging/build-all.sh. Included from the top CMakeLists.txt.
# The package holds /usr/bin/vnetdiag, its man page (made from its own --help by help2man) and
# bash completion; dpkg-shlibdeps derives Depends from the binary's libraries.

include(GNUInstallDirs)

find_program(VNETDIAG_HELP2MAN help2man)
if(VNETDIAG_HELP2MAN)
  set(VNETDIAG_MAN_PAGE ${CMAKE_CURRENT_BINARY_DIR}/packaging/vnetdiag.1.gz)
  add_custom_command(
    OUTPUT ${VNETDIAG_MAN_PAGE}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/packaging
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/packaging/man/make-man.sh $<TARGET_FILE:vnetdiag> ${VNETDIAG_MAN_PAGE}
            ${PROJECT_VERSION}
    DEPENDS vnetdiag ${CMAKE_CURRENT_SOURCE_DIR}/packaging/man/make-man.sh
            ${CMAKE_CURRENT_SOURCE_DIR}/packaging/man/settings.h2m
    COMMENT "Generating the man page from vnetdiag --help"
    VERBATIM)
  add_custom_target(vnetdiag_man ALL DEPENDS ${VNETDIAG_MAN_PAGE})
  install(FILES ${VNETDIAG_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found (packaging/setup-debian.sh installs it): the package gets no man page")
endif()
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/packaging/completion/vnetdiag.bash
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME vnetdiag)

set(VNETDIAG_PACKAGE_CONTACT "vnetdiag maintainers <maintainers@vnetdiag.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vnetdiag)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${VNETDIAG_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "check App Service private-endpoint reachability (Key Vault, Cognitive Services)")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "vnetdiag checks from inside an Azure App Service app whether its Key Vault and\n\
Cognitive Services are reached only through their private endpoints: DNS through\n\
every resolver, TCP, TLS and the service's own answer, and the routes taken. It\n\
prints findings with fixes (text, JSON, JUnit), serves them over HTTP for health\n\
checks and Prometheus, and can plan the ARM changes that repair the setup.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# TLS needs a CA store; a container may choose its own, so it is recommended, not required.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
include(CPack)
