#!/usr/bin/env bash
# Assembles "Wan Studio.app" (universal: Apple silicon and Intel) and a .dmg, on macOS.
# Needs: Xcode command line tools (lipo, sips, iconutil, hdiutil), rustup targets
#   aarch64-apple-darwin and x86_64-apple-darwin, and librsvg (brew install librsvg) for the icon.
# Usage: packaging/macos/make-app.sh            → target/macos/Wan Studio.app, target/macos/WanStudio-<version>.dmg
# Signing and notarisation (for distribution outside the App Store) are the release steps in
# packaging/README.md; this script leaves the bundle ad-hoc signed.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
out=target/macos
app="$out/Wan Studio.app"

for t in aarch64-apple-darwin x86_64-apple-darwin; do
  cargo build --release --locked --target "$t"
done

rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
lipo -create -output "$app/Contents/MacOS/wan-studio" \
  target/aarch64-apple-darwin/release/wan-studio \
  target/x86_64-apple-darwin/release/wan-studio
sed "s/@VERSION@/$version/g" packaging/macos/Info.plist > "$app/Contents/Info.plist"

# The icon: every size iconutil expects, rendered from the SVG source.
iconset="$out/WanStudio.iconset"
rm -rf "$iconset" && mkdir -p "$iconset"
for s in 16 32 128 256 512; do
  rsvg-convert -w "$s" -h "$s" assets/icons/wan-studio.svg -o "$iconset/icon_${s}x${s}.png"
  rsvg-convert -w $((s * 2)) -h $((s * 2)) assets/icons/wan-studio.svg -o "$iconset/icon_${s}x${s}@2x.png"
done
iconutil -c icns "$iconset" -o "$app/Contents/Resources/WanStudio.icns"

codesign --force --deep --sign - "$app"

dmg="$out/WanStudio-$version.dmg"
rm -f "$dmg"
hdiutil create -volname "Wan Studio" -srcfolder "$app" -ov -format UDZO "$dmg"
echo "built $app and $dmg"
