#!/bin/bash
# hylafax-spool.sh SPOOL DEVICE... - a private HylaFAX spool for tests: the
# Debian package's binaries and config, one modem config per DEVICE (a Class 1
# modem on a pty, e.g. an iaxmodem), nothing outside SPOOL. The tests start
# faxgetty/faxq/hfaxd on it themselves (faxgetty -q SPOOL DEVICE), so they know
# and stop only their own processes. Same set-up as ../shared/peers/fax/fax-loop.sh.
set -eu
HF=$1; shift
mkdir -p "$HF"/{archive,bin,client,config,dev,docq,doneq,etc,info,log,pollq,recvq,sendq,status,tmp}
cp -a /var/spool/hylafax/bin/. "$HF/bin/"
cp -a /var/spool/hylafax/config/. "$HF/config/"
cp -a /etc/hylafax/. "$HF/etc/"
cp -a /var/spool/hylafax/status/. "$HF/status/" 2>/dev/null || true
echo '127.0.0.1:0::' >> "$HF/etc/hosts.hfaxd"
# Debian wraps faxsend and friends in hylafax_wrapper, which bind-mounts
# /etc/hylafax over the spool's etc: call the real binaries instead.
printf 'NotifyCmd:\t/bin/true\nSendFaxCmd:\t/usr/lib/hylafax/bin/faxsend\nWedgedCmd:\t/bin/true\n' >> "$HF/etc/config"
sed -i "s|^SBIN=.*|SBIN='/usr/lib/hylafax/bin'|" "$HF/etc/setup.cache"
chown uucp:uucp "$HF" "$HF"/{archive,client,config,dev,docq,doneq,info,log,pollq,recvq,sendq,status,tmp}
chmod 1777 "$HF/tmp"
n=0
for DEV in "$@"; do
    n=$((n + 1))
    cat > "$HF/etc/config.$(echo "$DEV" | tr / _)" <<CFG
CountryCode:		1
AreaCode:		555
FAXNumber:		+1.555.000.000$n
LongDistancePrefix:	1
InternationalPrefix:	011
DialStringRules:	etc/dialrules
ServerTracing:		0x0
SessionTracing:		0xFFF
RecvFileMode:		0644
LogFileMode:		0644
DeviceMode:		0660
RingsBeforeAnswer:	1
SpeakerVolume:		off
LocalIdentifier:	"HylaFAX-$n"
TagLineFont:		etc/lutRS18.pcf
TagLineFormat:		"From %%l|%c|Page %%P of %%T"
MaxRecvPages:		50
FaxRcvdCmd:		/bin/true
ModemType:		Class1
Class1AdaptRecvCmd:	AT+FAR=1
Class1TMConnectDelay:	400
ModemResetCmds:		AT+VCID=1
PagerTTYParity:		none
CallIDPattern:		"NMBR="
CallIDPattern:		"NAME="
CallIDPattern:		"ANID="
CallIDPattern:		"NDID="
CFG
done
