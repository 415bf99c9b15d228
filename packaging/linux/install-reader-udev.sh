#!/bin/sh
# Installs the IronLogic Z-2 udev rule and adds the cashier's account to dialout.
# Usage: sudo packaging/linux/install-reader-udev.sh [USER]   (idempotent)
set -eu
here=$(dirname "$0")
install -m 0644 "$here/99-ironlogic-z2.rules" /etc/udev/rules.d/99-ironlogic-z2.rules
udevadm control --reload-rules
udevadm trigger --subsystem-match=usb --attr-match=idVendor=0403 || true
user=${1:-${SUDO_USER:-}}
if [ -n "$user" ]; then usermod -aG dialout "$user"; echo "Пользователь $user добавлен в группу dialout (войдите заново)."; fi
echo "Правило установлено. Переподключите считыватель и проверьте: canteen devices"
