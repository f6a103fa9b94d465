# Shell functions shared by the tests/*.test scripts; source it, do not run it.
#
# A test script defines its cases as functions and calls namespace_main "$@",
# which runs one case and exits when run_case has executed the script again
# inside new namespaces. Then it runs each case with run_case. Inside the
# namespaces the daemon reads a tmpfs of fake KSM files at /sys/kernel/mm/ksm
# and a fake /proc/meminfo, and finds only the processes of the case, so
# that real guests elsewhere on the host cannot change the results.
#
# Every test prints one line "PASS: NAME", "FAIL: NAME: why" or
# "SKIP: NAME: why", as tests/run counts them. Lines that start with blanks
# are details for a reader and are not counted.

TEST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEST_SCRIPT=$(realpath "$0")
export KSMTUNED=${KSMTUNED:-$TEST_ROOT/ksmtuned}
export HELPERS=${HELPERS:-$TEST_ROOT/build/tests}

# Seconds a test waits for a condition before it fails. Waits end as soon as
# the condition holds, so a generous limit costs nothing when all is well.
WAIT_TIMEOUT=${WAIT_TIMEOUT:-30}
# Seconds one namespace run may take in all before it is killed.
CASE_TIMEOUT=${CASE_TIMEOUT:-300}

KSM_DIR=/sys/kernel/mm/ksm

# --- Results -----------------------------------------------------------------

pass() {
	echo "PASS: $1"
}

fail() {
	echo "FAIL: $1: $2"
}

skip() {
	echo "SKIP: $1: $2"
}

# A test collects the problems its checks find and prints one verdict in
# end_test: PASS, or FAIL with every problem, separated by "; ".
TEST_NAME=
TEST_PROBLEMS=()

begin_test() {
	TEST_NAME=$1
	TEST_PROBLEMS=()
}

# Records a problem of the running test. While CHECK_CONTEXT is set, for
# example to "after cycle 3", it prefixes the problem.
CHECK_CONTEXT=
problem() {
	TEST_PROBLEMS+=("${CHECK_CONTEXT:+$CHECK_CONTEXT: }$*")
}

end_test() {
	local joined="" item

	[ -n "$TEST_NAME" ] || return 0
	if [ "${#TEST_PROBLEMS[@]}" -eq 0 ]; then
		pass "$TEST_NAME"
	else
		for item in "${TEST_PROBLEMS[@]}"; do
			joined+="${joined:+; }$item"
		done
		fail "$TEST_NAME" "$joined"
		show_diagnostics
	fi
	TEST_NAME=
	TEST_PROBLEMS=()
}

# Records a problem that makes the rest of the namespace run pointless and
# exits; the EXIT trap prints the verdict.
abort_test() {
	problem "$*"
	exit 1
}

# Prints the daemon's log below a failure, indented so that tests/run does
# not count its lines.
show_diagnostics() {
	local file

	for file in "${DIAGNOSTIC_FILES[@]+"${DIAGNOSTIC_FILES[@]}"}"; do
		[ -s "$file" ] || continue
		echo "  --- last lines of $(basename "$file") ---"
		tail -n 40 "$file" | sed 's/^/  | /'
	done
}
DIAGNOSTIC_FILES=()

# Prints TEXT with its newlines as "\n", so that a verdict stays on one line.
one_line() {
	local text=$1

	printf '%s' "${text//$'\n'/\\n}"
}

# Checks print nothing when they hold and record a problem when they do not.
expect_eq() {
	local description=$1 actual=$2 expected=$3

	[ "$actual" = "$expected" ] ||
		problem "$description is \"$(one_line "$actual")\", expected \"$(one_line "$expected")\""
}

# Checks that FILE contains exactly VALUE and one newline, as the kernel
# shows a KSM file, and no stale bytes after it.
expect_file() {
	local file=$1 expected=$2 actual

	if [ ! -e "$file" ]; then
		problem "$file is missing, expected \"$expected\""
		return
	fi
	actual=$(od -An -c "$file" | tr -s ' \n' ' ')
	if ! cmp -s "$file" <(printf '%s\n' "$expected"); then
		problem "$(basename "$file") contains bytes [$actual], expected \"$expected\" and a newline"
	fi
}

expect_grep() {
	local description=$1 regex=$2 file=$3

	grep -Eq -- "$regex" "$file" || problem "$description: no line matches /$regex/ in $(basename "$file")"
}

expect_no_grep() {
	local description=$1 regex=$2 file=$3 line

	line=$(grep -E -m 1 -- "$regex" "$file")
	[ -z "$line" ] || problem "$description: unexpected line \"$line\" in $(basename "$file")"
}

expect_grep_count() {
	local description=$1 regex=$2 file=$3 expected=$4 count

	count=$(grep -Ec -- "$regex" "$file")
	[ "$count" -eq "$expected" ] || problem "$description: $count lines match /$regex/, expected $expected"
}

# --- Preconditions and temporary files --------------------------------------

# Prints a SKIP line for each named test and exits unless running as root.
# ROOT_REASON, if set, replaces the reason given.
require_root() {
	local name

	[ "$(id -u)" -eq 0 ] && return 0
	for name in "$@"; do
		skip "$name" "${ROOT_REASON:-needs root for mount and PID namespaces}"
	done
	exit 0
}

# Creates TEST_TMP, removed with everything in it when the script exits.
make_test_tmp() {
	TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksmtuned-test.XXXXXX") || {
		echo "cannot create a temporary directory" >&2
		exit 1
	}
	export TEST_TMP
	trap cleanup_test_tmp EXIT
	trap 'exit 130' INT TERM HUP
}

cleanup_test_tmp() {
	stop_running_case
	[ -n "${TEST_TMP-}" ] && [ -d "$TEST_TMP" ] && rm -rf -- "$TEST_TMP"
}

# --- Fake input --------------------------------------------------------------

# init_fake_ksm DIR [ADVISOR_MODE]: fills DIR with the KSM files of a kernel
# at its defaults, each value followed by a newline as sysfs shows it.
# ADVISOR_MODE replaces the text of advisor_mode, e.g. "none [scan-time]".
init_fake_ksm() {
	local dir=$1 advisor=${2:-"[none] scan-time"}

	printf '0\n' >"$dir/run"
	printf '100\n' >"$dir/pages_to_scan"
	printf '20\n' >"$dir/sleep_millisecs"
	printf '%s\n' "$advisor" >"$dir/advisor_mode"
	printf '0\n' >"$dir/pages_shared"
	printf '0\n' >"$dir/pages_sharing"
	printf '0\n' >"$dir/general_profit"
}

# Writes a /proc/meminfo look-alike to MEMINFO in place: the file is bind
# mounted over /proc/meminfo, so it must keep its inode. Arguments in KiB:
# MemTotal MemFree [MemAvailable [Buffers [Cached]]]; MemAvailable defaults
# to MemFree + Buffers + Cached.
write_meminfo() {
	local total=$1 free=$2 buffers=${4:-0} cached=${5:-0}
	local available=${3:-$((free + buffers + cached))}
	local used=$((total - free - buffers - cached))
	local text

	((used < 0)) && used=0
	text=$(
		printf '%-15s %10d kB\n' \
			MemTotal: "$total" MemFree: "$free" MemAvailable: "$available" \
			Buffers: "$buffers" Cached: "$cached" SwapCached: 0 \
			Active: $((used / 2 + cached / 2)) Inactive: $((used / 2 + cached / 2)) \
			"Active(anon):" $((used / 2)) "Inactive(anon):" $((used / 2)) \
			"Active(file):" $((cached / 2)) "Inactive(file):" $((cached / 2)) \
			Unevictable: 0 Mlocked: 0 SwapTotal: 0 SwapFree: 0 Zswap: 0 Zswapped: 0 \
			Dirty: 0 Writeback: 0 AnonPages: "$used" Mapped: 0 Shmem: 0 \
			KReclaimable: 0 Slab: 0 SReclaimable: 0 SUnreclaim: 0 KernelStack: 0 \
			PageTables: 0 SecPageTables: 0 NFS_Unstable: 0 Bounce: 0 WritebackTmp: 0 \
			CommitLimit: $((total / 2)) Committed_AS: "$used" \
			VmallocTotal: 34359738367 VmallocUsed: 0 VmallocChunk: 0 Percpu: 0 \
			HardwareCorrupted: 0 AnonHugePages: 0 ShmemHugePages: 0 ShmemPmdMapped: 0 \
			FileHugePages: 0 FilePmdMapped: 0 Unaccepted: 0
		printf '%-15s %10d\n' HugePages_Total: 0 HugePages_Free: 0 HugePages_Rsvd: 0 HugePages_Surp: 0
		printf '%-15s %10d kB\n' Hugepagesize: 2048 Hugetlb: 0 DirectMap4k: "$total" DirectMap2M: 0 DirectMap1G: 0
	)
	# One write of the whole text; ">" truncates the same inode.
	printf '%s\n' "$text" >"$MEMINFO"
}

# A config file with KSM_MONITOR_INTERVAL=3600, so that only the first cycle
# and signals run cycles, and KSM_GUEST_SOURCE=process, so that a libvirtd
# running on the host adds no guests, plus any KEY=VALUE lines given, which
# may set these keys again.
write_config() {
	local file=$1 line

	shift
	{
		echo "KSM_MONITOR_INTERVAL=3600"
		echo "KSM_GUEST_SOURCE=process"
		echo "KSM_POLICY=legacy"
		for line in "$@"; do
			echo "$line"
		done
	} >"$file"
}

# Prints "mtime ctime" of a file in nanoseconds.
file_times() {
	stat -c '%.9Y %.9Z' "$1"
}

# Prints every KSM file with its times, to compare before and after.
snapshot_ksm() {
	local file

	for file in "$KSM_DIR"/*; do
		printf '%s %s %s\n' "$(basename "$file")" "$(file_times "$file")" "$(tr '\n' '|' <"$file")"
	done
}

# --- Waiting -----------------------------------------------------------------

# wait_until DESCRIPTION COMMAND...: polls COMMAND until it succeeds. After
# WAIT_TIMEOUT seconds it records "timed out waiting for DESCRIPTION" and
# returns 1.
wait_until() {
	local description=$1 deadline

	shift
	deadline=$((SECONDS + WAIT_TIMEOUT))
	until "$@"; do
		if ((SECONDS >= deadline)); then
			problem "timed out after ${WAIT_TIMEOUT} s waiting for $description"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

process_alive() {
	local state

	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

process_gone() {
	! process_alive "$1"
}

# --- Fake guests -------------------------------------------------------------

# Copies the fake-guest helper to DIR/NAME and prints the path. A copy, not
# a link, because /proc/PID/exe resolves links.
guest_executable() {
	local name=$1 dir=${2:-$CASE_DIR/bin}

	mkdir -p "$dir"
	# A running copy cannot be overwritten (ETXTBSY), and need not be.
	if ! cmp -s "$HELPERS/fake-guest" "$dir/$name"; then
		cp "$HELPERS/fake-guest" "$dir/$name" && chmod 0755 "$dir/$name"
	fi
	echo "$dir/$name"
}

# start_guest EXECUTABLE [fake-guest options]: starts a fake guest, waits
# until it has touched its memory, and sets GUEST_PID.
GUEST_COUNT=0
start_guest() {
	local executable=$1 ready

	shift
	GUEST_COUNT=$((GUEST_COUNT + 1))
	ready=$CASE_DIR/guest-$GUEST_COUNT.ready
	"$executable" --ready-file="$ready" "$@" >>"$CASE_DIR/guests.log" 2>&1 &
	GUEST_PID=$!
	DIAGNOSTIC_FILES+=("$CASE_DIR/guests.log")
	wait_until "fake guest $(basename "$executable") $* to be ready" guest_ready "$ready" "$GUEST_PID" ||
		abort_test "fake guest $(basename "$executable") did not start"
	process_alive "$GUEST_PID" || abort_test "fake guest $(basename "$executable") $* exited"
}

guest_ready() {
	[ "$(cat "$1" 2>/dev/null)" = ready ] || process_gone "$2"
}

# --- Datagram capture --------------------------------------------------------

# start_capture SOCKET OUTPUT: binds SOCKET with dgram-capture and waits
# until it exists.
start_capture() {
	local socket=$1 output=$2

	: >"$output"
	"$HELPERS/dgram-capture" "$socket" "$output" >>"$CASE_DIR/capture.log" 2>&1 &
	DIAGNOSTIC_FILES+=("$CASE_DIR/capture.log")
	wait_until "dgram-capture to bind $socket" test -S "$socket" ||
		abort_test "dgram-capture did not bind $socket"
}

# Prints the first captured datagram in FILE that has a line matching REGEX.
datagram_matching() {
	local regex=$1 file=$2

	awk -v regex="$regex" '
		$0 == "--- end of datagram ---" {
			if (found) { printf "%s", datagram; exit }
			datagram = ""; found = 0; next
		}
		{ datagram = datagram $0 "\n"; if ($0 ~ regex) found = 1 }
	' "$file"
}

# --- The daemon --------------------------------------------------------------

# Console lines of the debug message every cycle logs, "Cycle N: ...".
count_cycle_lines() {
	grep -Ec '^debug: Cycle [0-9]+:' "$DAEMON_LOG"
}

# STATUS= messages sent after each cycle, "STATUS=KSM running ..." or
# "STATUS=KSM stopped ...". They come after the cycle's writes, so waiting
# for one more makes sure the cycle has finished.
count_status_messages() {
	grep -Ec '^STATUS=KSM (running|stopped)' "$NOTIFY_LOG"
}

cycles_finished() {
	local cycle_lines=$1 statuses=$2

	if ! process_alive "$DAEMON_PID"; then
		return 0
	fi
	if [ "$DAEMON_CONSOLE" = 1 ] && [ "$(count_cycle_lines)" -le "$cycle_lines" ]; then
		return 1
	fi
	[ "$(count_status_messages)" -gt "$statuses" ]
}

# start_daemon [OPTION]...: starts ksmtuned in the background with
# -d --log-target=console -c "$CONFIG" and the options given, sets
# DAEMON_PID and DAEMON_LOG, and waits until its first cycle has finished.
# Set DAEMON_CONSOLE=0 when an option sends the log elsewhere, and
# DAEMON_PRELUDE to shell code run just before the exec (ulimit, exports).
DAEMON_RUNS=0
start_daemon() {
	local cycle_lines=0 statuses

	DAEMON_RUNS=$((DAEMON_RUNS + 1))
	DAEMON_LOG=$CASE_DIR/daemon-$DAEMON_RUNS.log
	DAEMON_CONSOLE=${DAEMON_CONSOLE:-1}
	: >"$DAEMON_LOG"
	DIAGNOSTIC_FILES+=("$DAEMON_LOG")
	if [ -z "${NOTIFY_LOG-}" ]; then
		NOTIFY_LOG=$CASE_DIR/notify.log
		NOTIFY_SOCKET_PATH=$CASE_DIR/notify.sock
		start_capture "$NOTIFY_SOCKET_PATH" "$NOTIFY_LOG"
		DIAGNOSTIC_FILES+=("$NOTIFY_LOG")
	fi
	statuses=$(count_status_messages)

	(
		eval "${DAEMON_PRELUDE-}"
		export NOTIFY_SOCKET=$NOTIFY_SOCKET_PATH
		exec "$KSMTUNED" -d --log-target=console -c "$CONFIG" "$@"
	) >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!

	wait_until "the first cycle of ksmtuned" cycles_finished "$cycle_lines" "$statuses" ||
		abort_test "ksmtuned did not finish its first cycle"
	process_alive "$DAEMON_PID" || abort_test "ksmtuned exited at start"
}

# Sends SIGNAL (USR1 or HUP) and waits until the cycle it runs has finished.
signal_cycle() {
	local signal=$1 cycle_lines statuses

	cycle_lines=$(count_cycle_lines)
	statuses=$(count_status_messages)
	kill -"$signal" "$DAEMON_PID"
	wait_until "a cycle after SIG$signal" cycles_finished "$cycle_lines" "$statuses" ||
		abort_test "no cycle ran after SIG$signal"
	process_alive "$DAEMON_PID" || abort_test "ksmtuned exited after SIG$signal"
}

trigger_cycle() {
	signal_cycle USR1
}

# stop_daemon [SIGNAL]: sends SIGNAL (default TERM), waits for the daemon to
# exit and sets DAEMON_STATUS.
stop_daemon() {
	local signal=${1:-TERM}

	kill -"$signal" "$DAEMON_PID"
	wait_until "ksmtuned to exit on SIG$signal" process_gone "$DAEMON_PID" ||
		abort_test "ksmtuned did not exit on SIG$signal"
	wait "$DAEMON_PID"
	DAEMON_STATUS=$?
}

# Prints the lines the daemon logged after line number AFTER.
log_lines_after() {
	tail -n +"$(($1 + 1))" "$DAEMON_LOG"
}

log_line_count() {
	wc -l <"$DAEMON_LOG"
}

# --- The real KSM files ------------------------------------------------------

# Tests that change the host's real KSM settings save every tunable first
# and restore it when they exit, also after a failure.

# Tunables are the files with an owner write bit; counters are 0444.
writable_tunables() {
	local file

	for file in "$KSM_DIR"/*; do
		[ $((0$(stat -c %a "$file") & 0200)) -ne 0 ] && basename "$file"
	done
}

# The selected advisor_mode, shown in brackets: "[none] scan-time" is none.
advisor_selection() {
	sed -n 's/.*\[\([^]]*\)\].*/\1/p' "$KSM_DIR/advisor_mode"
}

read_tunable() {
	if [ "$1" = advisor_mode ]; then
		advisor_selection
	else
		cat "$KSM_DIR/$1"
	fi
}

declare -A SAVED=()
SAVED_ORDER=()
SAVED_SHARED=0
RESTORED=0

save_tunables() {
	local name

	for name in $(writable_tunables); do
		SAVED[$name]=$(read_tunable "$name")
		SAVED_ORDER+=("$name")
	done
	SAVED_SHARED=$(($(cat "$KSM_DIR/pages_shared") + $(cat "$KSM_DIR/pages_sharing")))
	printf '  saved %s\n' "$(for name in "${SAVED_ORDER[@]}"; do printf '%s=%s ' "$name" "${SAVED[$name]}"; done)"
}

# Writes VALUE to a tunable unless it contains it already, and prints a detail
# line when the kernel rejects it.
restore_one() {
	local name=$1 value=$2

	[ "$(read_tunable "$name")" = "$value" ] && return 0
	echo "$value" >"$KSM_DIR/$name" 2>/dev/null ||
		echo "  cannot restore $name to \"$value\": the kernel rejected the write"
}

# Restores what save_tunables saved. advisor_mode comes first, because
# switching it to none resets pages_to_scan to 100, and run comes last.
restore_tunables() {
	local name

	[ "${#SAVED_ORDER[@]}" -gt 0 ] && [ "$RESTORED" = 0 ] || return 0
	RESTORED=1

	[ -n "${SAVED[advisor_mode]-}" ] && restore_one advisor_mode "${SAVED[advisor_mode]}"
	for name in "${SAVED_ORDER[@]}"; do
		case $name in
		advisor_mode | run | pages_to_scan) ;;
		*) restore_one "$name" "${SAVED[$name]}" ;;
		esac
	done
	# While the advisor is on, it owns pages_to_scan and the kernel rejects writes.
	if [ -n "${SAVED[pages_to_scan]-}" ] && [ "$(advisor_selection)" != scan-time ]; then
		restore_one pages_to_scan "${SAVED[pages_to_scan]}"
	fi
	if [ -n "${SAVED[run]-}" ] && [ "$(cat "$KSM_DIR/run")" != "${SAVED[run]}" ]; then
		# run=2 unmerges everything before it returns; do that only if
		# nothing was merged before the test, so that other merged pages stay.
		if [ "${SAVED[run]}" = 0 ] && [ "$SAVED_SHARED" -eq 0 ]; then
			echo 2 >"$KSM_DIR/run" 2>/dev/null || echo "  cannot write run=2 to unmerge the test's pages"
		fi
		restore_one run "${SAVED[run]}"
	fi
}

# Succeeds when no fake guest (a copy under TEST_TMP) and no ksmtuned of
# this tree is left, as seen from the host's /proc.
test_processes_gone() {
	local exe link

	for exe in /proc/[0-9]*/exe; do
		link=$(readlink "$exe" 2>/dev/null) || continue
		link=${link% (deleted)}
		case $link in
		"$TEST_TMP"/* | "$KSMTUNED") return 1 ;;
		esac
	done
	return 0
}

# The daemon must be gone before the tunables are restored, or its next
# cycle could write them again.
wait_until_test_processes_gone() {
	wait_until "the namespace's processes to exit" test_processes_gone ||
		echo "  processes of the test are still running; restoring the KSM tunables anyway"
}

# lock_real_ksm NAME...: waits until no other test that changes the real
# KSM settings runs, because a second run at the same time would save the
# first one's values and restore them. Fails every named test after 600 s.
lock_real_ksm() {
	local name

	# Processes the script starts inherit the descriptor and so hold the
	# lock too, until they exit.
	mkdir -p /run/lock
	exec {REAL_KSM_LOCK_FD}>"/run/lock/ksmtuned-kernel-test.lock"
	flock -w 600 "$REAL_KSM_LOCK_FD" && return 0
	for name in "$@"; do
		fail "$name" "another test held /run/lock/ksmtuned-kernel-test.lock for 600 s"
	done
	exit 1
}

# --- Namespaces --------------------------------------------------------------

# run_case [--real-ksm] [--host-pids] FUNCTION NAME...: runs FUNCTION in new
# mount and PID namespaces, or with --host-pids in a new mount namespace
# only, where the script is executed again. The function checks the
# test NAME and calls next_test to go on to each further NAME. A name that
# gets no verdict, because an earlier step failed or the run was killed
# after CASE_TIMEOUT seconds, is reported as failed.
run_case() {
	local fake_ksm=1 pid_options=(--pid --mount-proc) function output status name

	while :; do
		case $1 in
		--real-ksm) fake_ksm=0 ;;
		# Real guests of a libvirtd outside the namespace must be visible.
		--host-pids) pid_options=() ;;
		*) break ;;
		esac
		shift
	done
	function=$1
	shift

	# In the background, so that a signal to this script runs its traps at
	# once and stop_running_case can end the namespace.
	FAKE_KSM=$fake_ksm timeout --kill-after=10 "$CASE_TIMEOUT" \
		unshare --mount "${pid_options[@]}" --fork --kill-child --propagation private \
		bash "$TEST_SCRIPT" --inside-namespace "$function" "$@" >"$TEST_TMP/case-output" 2>&1 &
	CASE_PID=$!
	wait "$CASE_PID"
	status=$?
	CASE_PID=
	output=$(cat "$TEST_TMP/case-output")
	printf '%s\n' "$output"

	for name in "$@"; do
		if ! has_verdict "$name" "$output"; then
			if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
				fail "$name" "killed after $CASE_TIMEOUT s in $function"
			else
				fail "$name" "not run: $function exited with status $status before reaching it"
			fi
		fi
	done
}

# has_verdict NAME OUTPUT: succeeds when OUTPUT has a result line for NAME.
has_verdict() {
	local name=$1 line

	while IFS= read -r line; do
		case $line in
		"PASS: $name" | "FAIL: $name: "* | "SKIP: $name: "*) return 0 ;;
		esac
	done <<<"$2"
	return 1
}

# Ends a namespace run that is still going, when the script is interrupted.
# timeout passes SIGTERM on to unshare, whose --kill-child then kills every
# process in the namespace.
CASE_PID=
stop_running_case() {
	[ -n "$CASE_PID" ] || return 0
	kill -TERM "$CASE_PID" 2>/dev/null
	wait "$CASE_PID" 2>/dev/null
	CASE_PID=
}

# Ends what the case started in the background, such as the datagram
# capture. Without a PID namespace (--host-pids) nothing else would end it.
stop_case_jobs() {
	local pids

	pids=$(jobs -p)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null
	# shellcheck disable=SC2086
	wait $pids 2>/dev/null
}

# Ends the running test and begins the next name given to run_case.
next_test() {
	end_test
	CASE_NAMES=("${CASE_NAMES[@]:1}")
	begin_test "${CASE_NAMES[0]}"
}

# Sets up the namespace run and calls the case function when the script was
# executed by run_case; returns at once otherwise.
namespace_main() {
	local function

	[ "${1-}" = --inside-namespace ] || return 0
	function=$2
	shift 2
	CASE_NAMES=("$@")
	begin_test "${CASE_NAMES[0]}"
	trap 'end_test; stop_case_jobs' EXIT

	CASE_DIR=$(mktemp -d "$TEST_TMP/case.XXXXXX") || abort_test "cannot create a directory in $TEST_TMP"
	CONFIG=$CASE_DIR/ksmtuned.conf
	MEMINFO=$CASE_DIR/meminfo
	write_config "$CONFIG"

	if [ "${FAKE_KSM:-1}" = 1 ]; then
		mount -t tmpfs -o size=1m,mode=0755 ksmtuned-test "$KSM_DIR" ||
			abort_test "cannot mount a tmpfs over $KSM_DIR"
		init_fake_ksm "$KSM_DIR"
	fi
	# Memory is tight until the case writes other values: 256 MiB, 8 MiB free.
	write_meminfo 262144 8192
	mount --bind "$MEMINFO" /proc/meminfo || abort_test "cannot bind mount $MEMINFO over /proc/meminfo"

	"$function"
	exit 0
}
