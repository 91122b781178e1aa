# Shared by the stand-in devtools scripts in this directory (sourced, not run).
#
# Every script appends one line to $FAKE_DEVTOOLS_LOG: its own name and its arguments,
# each quoted with `printf %q`, so tests can assert the exact argument vectors archport
# passed. A call one of the stand-ins makes itself (makechrootpkg's and mkarchroot's
# `arch-nspawn`, found through PATH like the real ones do) is no call of archport's: it
# goes to $FAKE_DEVTOOLS_LOG.nested instead, after the caller's name (`makechrootpkg:
# arch-nspawn ...`), the caller saying who it is in FAKE_NESTED_CALLER.

fake_die() {
	printf '==> ERROR: %s\n' "$*" >&2
	exit 1
}

# devtools' own `die` (lib/common.sh): the message, then exit 255. mkarchroot, arch-nspawn
# and makechrootpkg end with it on every error, a failed build included.
devtools_die() {
	printf '==> ERROR: %s\n' "$*" >&2
	exit 255
}

fake_record() {
	[[ -n ${FAKE_DEVTOOLS_LOG:-} ]] ||
		fake_die "FAKE_DEVTOOLS_LOG is not set: it must name the file that records devtools calls"
	local line
	line=$(printf '%q ' "$@")
	# One write per line (O_APPEND), so concurrent scripts do not interleave.
	if [[ -n ${FAKE_NESTED_CALLER:-} ]]; then
		printf '%s: %s\n' "$FAKE_NESTED_CALLER" "${line% }" >>"$FAKE_DEVTOOLS_LOG.nested"
	else
		printf '%s\n' "${line% }" >>"$FAKE_DEVTOOLS_LOG"
	fi
}

# fake_listed NAME LIST: whether NAME is one of LIST's words (comma or space separated).
fake_listed() {
	local name=$1 item
	local -a items
	IFS=', ' read -r -a items <<<"${2:-}"
	for item in "${items[@]}"; do
		[[ $item == "$name" ]] && return 0
	done
	return 1
}
