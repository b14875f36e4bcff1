#!/bin/sh
# unit-run.sh - run a program the way its installed systemd unit would,
# for machines where systemd is not PID 1 (CI, containers):
#   scripts/unit-run.sh NAME.service LOGFILE
# prints the started process's id. It reads the unit and its drop-ins
# (/lib, /usr/lib, /etc) and applies User=, Group=, SupplementaryGroups=,
# DynamicUser= (a free uid of systemd's dynamic range), UMask=,
# StateDirectory= (with DynamicUser's /var/lib/private layout),
# LoadCredential= (%d), NoNewPrivileges= and an empty capability set, runs
# each ExecStartPre= in order and then ExecStart= in the background.
# Sandboxing (ProtectSystem= and the like) is not emulated: the point is
# the users, directories and file modes the services really get.
set -eu

unit=$1
log=$2

# the unit's directories, each once (/lib is /usr/lib on a merged /usr)
unit_dirs() {
	for d in /lib/systemd/system /usr/lib/systemd/system /etc/systemd/system; do
		[ -d "$d" ] && readlink -f "$d"
	done | awk '!seen[$0]++'
}
unit_files() {
	for d in $(unit_dirs); do
		[ -f "$d/$unit" ] && echo "$d/$unit"
	done
	for d in $(unit_dirs); do
		for f in "$d/$unit.d"/*.conf; do
			[ -f "$f" ] && echo "$f"
		done
	done
	return 0
}

# all values of KEY, in order (several lines accumulate, like ExecStartPre)
values() {
	unit_files | while read -r f; do
		sed -n "s/^$1=//p" "$f"
	done
}
# the last value of KEY (a later file or line overrides an earlier one)
value() {
	values "$1" | tail -n 1
}

[ -n "$(unit_files)" ] || { echo "unit-run: no unit $unit" >&2; exit 1; }

user=$(value User)
group=$(value Group)
dynamic=$(value DynamicUser)
umask_v=$(value UMask)
state=$(value StateDirectory)
state_mode=$(value StateDirectoryMode)
cred=$(value LoadCredential)
supp=$(values SupplementaryGroups | tr '\n' ' ')
start=$(value ExecStart)

if [ "$dynamic" = yes ]; then
	# systemd's dynamic range; the lowest uid and gid nobody uses
	uid=61184
	while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do
		uid=$((uid + 1))
	done
	gid=$uid
elif [ -n "$user" ]; then
	uid=$(id -u "$user")
	gid=$(id -g "$user")
else
	uid=0
	gid=0
fi
[ -n "$group" ] && gid=$(getent group "$group" | cut -d: -f3)

# StateDirectory: owned by the service's user; DynamicUser keeps it in
# /var/lib/private (root's, 0700) and links /var/lib/NAME to it, moving a
# directory that is already there, as systemd does.
ns_setup=""
if [ -n "$state" ]; then
	mode=${state_mode:-0755}
	if [ "$dynamic" = yes ]; then
		priv=/var/lib/private/$state
		install -d -m 0700 /var/lib/private
		if [ -d "/var/lib/$state" ] && [ ! -L "/var/lib/$state" ]; then
			rm -rf "$priv"
			mv "/var/lib/$state" "$priv"
		fi
		install -d "$priv"
		ln -sfn "private/$state" "/var/lib/$state"
		chown -R "$uid:$gid" "$priv"
		chmod "$mode" "$priv"
		# the service sees /var/lib/private searchable, holding only its
		# own directory (systemd: a tmpfs in the service's namespace)
		ns_setup="mkdir -p /run/unit-run.$$ && mount --bind $priv /run/unit-run.$$ &&
mount -t tmpfs -o mode=0755 tmpfs /var/lib/private && mkdir /var/lib/private/$state &&
mount --bind /run/unit-run.$$ /var/lib/private/$state && umount /run/unit-run.$$ &&
rmdir /run/unit-run.$$ && "
	else
		install -d "/var/lib/$state"
		chown "$uid:$gid" "/var/lib/$state"
		chmod "$mode" "/var/lib/$state"
	fi
fi

# LoadCredential=ID:PATH -> %d/ID, the service's own, mode 0400
creddir=/run/credentials/$unit
if [ -n "$cred" ]; then
	rm -rf "$creddir"
	install -d -m 0500 -o "$uid" -g "$gid" "$creddir"
	install -m 0400 -o "$uid" -g "$gid" "${cred#*:}" "$creddir/${cred%%:*}"
fi
start=$(printf '%s' "$start" | sed "s|%d|$creddir|g")

groups=""
for g in $supp; do
	groups="$groups,$(getent group "$g" | cut -d: -f3)"
done
groups=${groups#,}

values ExecStartPre | while read -r pre; do
	(umask "${umask_v:-0022}" && eval "$pre") || {
		echo "unit-run: $unit: ExecStartPre=$pre failed" >&2
		exit 1
	}
done

if [ "$uid" -eq 0 ]; then
	as=""
else
	as="setpriv --reuid=$uid --regid=$gid"
	if [ -n "$groups" ]; then
		as="$as --groups=$groups"
	else
		as="$as --clear-groups"
	fi
	[ "$(value NoNewPrivileges)" = yes ] && as="$as --no-new-privs"
	as="$as --inh-caps=-all --bounding-set=-all"
fi
umask "${umask_v:-0022}"
if [ -n "$ns_setup" ]; then
	# shellcheck disable=SC2086 # $as and $start are command lines
	unshare --mount --propagation private sh -c "${ns_setup}exec $as $start" \
		>"$log" 2>&1 </dev/null &
else
	# shellcheck disable=SC2086
	$as $start >"$log" 2>&1 </dev/null &
fi
echo $!
