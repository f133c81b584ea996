# Shared by scripts/demo, scripts/test and .ci/run (sourced, not run): a project virtualenv
# kept in step with pyproject.toml, and Debian packages the browser tests need.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${KEFU_VENV:-$ROOT/.venv}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo (which may ask for
# a password only when someone is at the terminal to type it).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
        sudo "$@"
    else
        return 1
    fi
}

can_apt() { command -v apt-get >/dev/null 2>&1 && as_root true; }

# apt-get install quietly; its output is shown only when it fails.
apt_install() {
    local log
    log="$(mktemp)"
    if as_root apt-get update -qq >"$log" 2>&1 &&
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; then
        rm -f "$log"
        return 0
    fi
    tail -n 20 "$log" >&2
    rm -f "$log"
    return 1
}

# The first Python 3.11+ on PATH (KEFU_PYTHON first, when set).
find_python() {
    local candidate
    for candidate in "${KEFU_PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

create_venv() {
    local python version
    python="$(find_python)" || die "Kefu needs Python 3.11 or newer; none found on PATH (set KEFU_PYTHON to one)"
    say "creating $VENV with $("$python" --version)"
    if "$python" -m venv "$VENV" 2>/dev/null; then
        return 0
    fi
    rm -rf "$VENV"
    # Debian ships venv support as a separate package.
    can_apt || die "'$python -m venv' failed: install the venv package (e.g. apt-get install python3-venv) and retry"
    version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    say "installing python$version-venv with apt-get"
    apt_install "python$version-venv" || apt_install python3-venv || die "apt-get install python3-venv failed"
    "$python" -m venv "$VENV" || die "'$python -m venv $VENV' failed"
}

# Create the venv when missing; (re)install Kefu with its test extras when pyproject.toml
# changed since the last install. pip's output goes to a log, shown only when it fails.
ensure_venv() {
    [ -x "$VENV/bin/python" ] || create_venv
    local stamp="$VENV/.kefu-pyproject.sha256" log="$VENV/pip-install.log" want
    want="$("$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$ROOT/pyproject.toml")"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    say "installing Kefu and its dependencies into $VENV (a minute or two the first time)"
    if ! PIP_PROGRESS_BAR=off "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -e "$ROOT[test]" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "pip install failed; the whole log is in $log"
    fi
    echo "$want" >"$stamp"
}

# The trained models the app loads at start-up (reply quality, intents, emotion colours),
# built into the package's caches once (seconds each; loading them afterwards takes a
# fraction of a second): servers the tests or the demo start then never train them
# themselves, several at once, inside a request.
ensure_models() {
    say "the trained models (quality, intents, emotions): built once, about 20 s, then loaded"
    "$VENV/bin/python" -c '
from kefu.quality.classifier import default_model as quality
from kefu.understanding.default import default_model as intents, emotion_model as emotions
quality(); intents(); emotions()' || die "building the trained models failed"
}

# True when fontconfig knows a font that covers Chinese (screenshots show boxes otherwise).
have_cjk_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]
}

# Debian's Chromium (driven by Playwright) and CJK fonts, so pages render Chinese text.
# A machine where chromium was installed by hand without the fonts gets them too.
ensure_chromium() {
    [ -x /usr/bin/chromium ] && have_cjk_font && return 0
    if ! can_apt; then
        say "note: chromium or a CJK font is missing and installing them needs root or sudo; browser tests may be skipped or show boxes"
        return 0
    fi
    say "installing Debian chromium and fonts-noto-cjk for the browser tests"
    apt_install chromium fonts-noto-cjk || die "apt-get install chromium fonts-noto-cjk failed"
}

# Debian's Dovecot IMAP server: the e-mail channel's tests start their own on loopback
# (tests/channels/dovecot.py; no system service is used or needed).
ensure_dovecot() {
    [ -x /usr/sbin/dovecot ] && return 0
    if ! can_apt; then
        say "note: /usr/sbin/dovecot is missing and installing it needs root or sudo; the e-mail channel tests will be skipped"
        return 0
    fi
    say "installing Debian dovecot-imapd for the e-mail channel tests"
    apt_install dovecot-imapd openssl || die "apt-get install dovecot-imapd failed"
    # The package starts a system-wide Dovecot; the tests need none, so leave it stopped.
    as_root sh -c 'command -v systemctl >/dev/null 2>&1 && systemctl disable --now dovecot >/dev/null 2>&1 || true'
}
