#!/usr/bin/env bash
# ctest driver for the packaging tests (consumer.*): installs the build tree into a temporary
# prefix, then builds and runs programs against that *installed* tree only, the way users do.
#
#   consumer_test.sh install BUILD_DIR PREFIX VERSION SOVERSION
#       cmake --install BUILD_DIR --prefix PREFIX (fresh), then checks the installed files,
#       and that a DESTDIR staging install keeps the real prefix in zseg.pc.
#   consumer_test.sh cmake shared|static PREFIX WORK_DIR [REQUEST_VERSION]
#       configures tests-consumer/cmake with find_package(zseg [REQUEST_VERSION] CONFIG REQUIRED)
#       against PREFIX only, links zseg::zseg or zseg::zseg_static, builds, checks how the
#       programs are linked and runs them.
#   consumer_test.sh cmake-reject PREFIX WORK_DIR REQUEST_VERSION
#       the same configure must fail: PREFIX's zseg is not compatible with REQUEST_VERSION.
#   consumer_test.sh pkgconfig PREFIX WORK_DIR VERSION
#       builds tests-consumer/cmake/main.c and main.cpp with `pkg-config --cflags --libs zseg`
#       (PKG_CONFIG_LIBDIR = PREFIX's only) and runs them with LD_LIBRARY_PATH; then links
#       libzseg.a statically with `pkg-config --static --libs zseg` and runs that without it.
#
# Environment: CC, CXX (compilers), CMAKE (cmake to use), CMAKE_GENERATOR (optional).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmake="${CMAKE:-cmake}"
cc="${CC:-cc}"
cxx="${CXX:-c++}"
# Nothing from the caller's environment may point at another zseg.
unset LD_LIBRARY_PATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH zseg_DIR || true

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '\n--- %s\n' "$*"; }

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# The file the dynamic loader picks for libzseg.so.0 when running $1 (no LD_LIBRARY_PATH).
resolved_libzseg() { ldd "$1" | sed -n 's/^[[:space:]]*libzseg\.so\.0 => \([^ ]*\) .*/\1/p'; }

check_shared_exe() {  # EXE PREFIX: needs libzseg.so.0 and finds it in PREFIX/lib
    needed "$1" | grep -qx 'libzseg.so.0' || fail "$1 does not need libzseg.so.0: $(needed "$1")"
    local lib
    lib="$(resolved_libzseg "$1")"
    [ -n "$lib" ] && [ "$(realpath "$lib")" = "$(realpath "$2/lib/libzseg.so.0")" ] ||
        fail "$1 loads libzseg.so.0 from '${lib}', not from $2/lib"
    echo "$(basename "$1"): NEEDED libzseg.so.0, loaded from $lib"
}

check_static_exe() {  # EXE: no libzseg at run time at all
    if needed "$1" | grep -q libzseg; then fail "$1 needs $(needed "$1" | grep libzseg)"; fi
    if ldd "$1" | grep -q libzseg; then fail "ldd $1 lists libzseg"; fi
    echo "$(basename "$1"): no libzseg at run time (NEEDED: $(needed "$1" | tr '\n' ' '))"
}

mode="${1:?mode}"
shift
case "$mode" in
install)
    build="$1" prefix="$2" version="$3" soversion="$4"
    rm -rf "$prefix"
    step "cmake --install $build --prefix $prefix"
    "$cmake" --install "$build" --prefix "$prefix"
    lib="$prefix/lib"
    for f in "lib/libzseg.so.$version" lib/libzseg.a include/zseg.h include/zseg.hpp \
             lib/cmake/zseg/zsegConfig.cmake lib/cmake/zseg/zsegConfigVersion.cmake \
             lib/pkgconfig/zseg.pc; do
        [ -f "$prefix/$f" ] && [ ! -L "$prefix/$f" ] || fail "$f is missing or not a regular file"
    done
    [ "$(readlink "$lib/libzseg.so.$soversion")" = "libzseg.so.$version" ] ||
        fail "libzseg.so.$soversion -> $(readlink "$lib/libzseg.so.$soversion")"
    [ "$(readlink "$lib/libzseg.so")" = "libzseg.so.$soversion" ] ||
        fail "libzseg.so -> $(readlink "$lib/libzseg.so")"
    soname="$(readelf -d "$lib/libzseg.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
    [ "$soname" = "libzseg.so.$soversion" ] || fail "SONAME is '$soname'"
    grep -qx "prefix=$prefix" "$lib/pkgconfig/zseg.pc" || fail "zseg.pc: $(grep ^prefix= "$lib/pkgconfig/zseg.pc")"
    grep -qx "Version: $version" "$lib/pkgconfig/zseg.pc" || fail "zseg.pc has no Version: $version"
    cmp -s "$here/../include/zseg.hpp" "$prefix/include/zseg.hpp" || fail "installed zseg.hpp differs"
    [ -x "$prefix/bin/zseg" ] || fail "bin/zseg is missing or not executable"
    "$prefix/bin/zseg" --version | grep -q "$version" || fail "bin/zseg --version: $("$prefix/bin/zseg" --version)"
    (cd "$prefix" && find . | sort)

    step "DESTDIR staging install: zseg.pc keeps the real prefix"
    stage="$prefix.stage"
    rm -rf "$stage"
    DESTDIR="$stage" "$cmake" --install "$build" --prefix /opt/zseg >/dev/null
    grep -qx "prefix=/opt/zseg" "$stage/opt/zseg/lib/pkgconfig/zseg.pc" ||
        fail "staged zseg.pc: $(grep ^prefix= "$stage/opt/zseg/lib/pkgconfig/zseg.pc")"
    [ -f "$stage/opt/zseg/lib/cmake/zseg/zsegConfig.cmake" ] || fail "staged zsegConfig.cmake missing"
    rm -rf "$stage"
    echo "installed into $prefix: ok"
    ;;
cmake)
    kind="$1" prefix="$2" work="$3" request="${4:-}"
    case "$kind" in
    shared) target=zseg::zseg ;;
    static) target=zseg::zseg_static ;;
    *) fail "kind must be shared or static" ;;
    esac
    rm -rf "$work"
    step "configure tests-consumer/cmake: find_package(zseg $request CONFIG REQUIRED), $target"
    "$cmake" -S "$here/cmake" -B "$work" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
        -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
        -DZSEG_TARGET="$target" -DZSEG_REQUEST_VERSION="$request"
    found="$(sed -n 's/^zseg_DIR:PATH=//p' "$work/CMakeCache.txt")"
    [ "$(realpath "$found")" = "$(realpath "$prefix/lib/cmake/zseg")" ] ||
        fail "find_package found zseg in '$found', not in $prefix"
    step "build"
    "$cmake" --build "$work"
    step "check the link and run"
    for exe in "$work/consumer_c" "$work/consumer_cpp"; do
        if [ "$kind" = shared ]; then check_shared_exe "$exe" "$prefix"; else check_static_exe "$exe"; fi
        "$exe" || fail "$exe failed"
    done
    echo "CMake consumer ($target): ok"
    ;;
cmake-reject)
    prefix="$1" work="$2" request="$3"
    rm -rf "$work"
    step "configure tests-consumer/cmake with find_package(zseg $request CONFIG REQUIRED): must fail"
    if "$cmake" -S "$here/cmake" -B "$work" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
        -DZSEG_REQUEST_VERSION="$request" >"$work.log" 2>&1; then
        cat "$work.log"
        fail "find_package(zseg $request) accepted the installed version"
    fi
    grep -q "not compatible\|considered but not accepted\|version" "$work.log" ||
        { cat "$work.log"; fail "no version message"; }
    grep -A3 -i "version" "$work.log" | head -8
    echo "zseg $request rejected: ok"
    ;;
pkgconfig)
    prefix="$1" work="$2" version="$3"
    rm -rf "$work"
    mkdir -p "$work"
    export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"  # the installed zseg.pc and nothing else
    step "pkg-config (PKG_CONFIG_LIBDIR=$PKG_CONFIG_LIBDIR)"
    [ "$(pkg-config --modversion zseg)" = "$version" ] || fail "modversion $(pkg-config --modversion zseg)"
    cflags="$(pkg-config --cflags zseg)"
    libs="$(pkg-config --libs zseg)"
    static_libs="$(pkg-config --static --libs zseg)"
    echo "--cflags: $cflags"
    echo "--libs: $libs"
    echo "--static --libs: $static_libs"
    [[ " $cflags " == *" -I$prefix/include "* ]] || fail "--cflags lacks -I$prefix/include"
    for l in -lgcc_s -lutil -lrt -lpthread -lm -ldl; do
        [[ " $static_libs " == *" $l "* ]] || fail "--static --libs lacks $l"
    done

    step "shared: cc main.c \$(pkg-config --cflags --libs zseg), run with LD_LIBRARY_PATH"
    # shellcheck disable=SC2086  # pkg-config output is a list of words
    "$cc" -std=c11 -Wall -Wextra -pedantic -Werror $cflags "$here/cmake/main.c" -o "$work/pc_c" $libs
    # shellcheck disable=SC2086
    "$cxx" -std=c++17 -Wall -Wextra -pedantic -Werror $cflags "$here/cmake/main.cpp" -o "$work/pc_cpp" $libs
    for exe in "$work/pc_c" "$work/pc_cpp"; do
        LD_LIBRARY_PATH="$prefix/lib" check_shared_exe "$exe" "$prefix"
        LD_LIBRARY_PATH="$prefix/lib" "$exe" || fail "$exe failed"
    done

    step "static: libzseg.a with \$(pkg-config --static --libs zseg), run without LD_LIBRARY_PATH"
    static_link="${static_libs/-lzseg/-Wl,-Bstatic -lzseg -Wl,-Bdynamic}"
    echo "link flags: $static_link"
    # shellcheck disable=SC2086
    "$cc" -std=c11 -Wall -Wextra -pedantic -Werror $cflags "$here/cmake/main.c" -o "$work/pc_c_static" $static_link
    check_static_exe "$work/pc_c_static"
    "$work/pc_c_static" || fail "pc_c_static failed"
    echo "pkg-config consumer: ok"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
