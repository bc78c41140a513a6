#!/usr/bin/env bash
# tests/run with a test tool missing: the check is counted as skipped, not
# passed, and listed with what was missing and the command that brings it; under
# CI=true the run fails. (SMSKIT_TEST_MISSING makes need() take wrk as missing.)
. tests/lib.sh
run_t1820() { env SMSKIT_TEST_MISSING=wrk TESTS=t1820-webhook-load tests/run "$SMSKIT_BUILD"; }
check_exit "without wrk, outside CI: the run passes" 0 env -u CI bash -c "$(declare -f run_t1820); run_t1820"
check_eq "...its last line counts the skip apart" "0 passed, 0 failed, 1 skipped" "$(tail -n 1 "$T/.out")"
check_grep "...and names the tool and the command" "t1820-webhook-load: load test # SKIP wrk is not installed: run sudo .ci/install-deps" "$T/.out"
check_exit "without wrk, CI=true: the run fails" 1 env CI=true bash -c "$(declare -f run_t1820); run_t1820"
check_grep "...saying why" "CI=true: 1 check(s) skipped; in CI every test must run" "$T/.out"
check_grep "...naming wrk" "wrk is not installed" "$T/.out"
check_eq "...with the same count" "0 passed, 0 failed, 1 skipped" "$(tail -n 1 "$T/.out")"
done_testing
