# Lab CA and server certificates, generated once into run/pki and reused. Sourced by `lab`.
# shellcheck shell=bash
#
#   ca.pem          "vnetdiag lab CA" (the CA_BUNDLE tests trust)
#   rogue-ca.pem    "vnetdiag rogue CA" (trusted by nobody)
#   valid.*         Azure names, lab CA, ~1 year
#   wrong-name.*    *.blob.core.windows.net, lab CA
#   untrusted.*     Azure names, rogue CA
#   expiring.*      Azure names, lab CA, expires in 5 days (renewed when under 4 days left)

PKI_DIR=$RUN_DIR/pki
AZURE_SANS="DNS:*.vault.azure.net,DNS:*.vaultcore.azure.net,DNS:*.cognitiveservices.azure.com,DNS:*.api.cognitive.microsoft.com"
DAY=86400

# Each NAME.pem has NAME.expires (epoch seconds) beside it, so checks spawn no openssl.
# still_valid NAME DAYS : the certificate exists and is valid for at least DAYS more days.
still_valid() {
  local expires
  [ -s "$PKI_DIR/$1.pem" ] && [ -s "$PKI_DIR/$1.key" ] && read -r expires <"$PKI_DIR/$1.expires" &&
    [ "$expires" -gt $((EPOCHSECONDS + $2 * DAY)) ] 2>/dev/null
}
stamp() { echo $((EPOCHSECONDS + $2 * DAY - 60)) >"$PKI_DIR/$1.expires"; } # NAME DAYS

make_ca() { # NAME CN
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/O=vnetdiag lab/CN=$2" -keyout "$PKI_DIR/$1.key" -out "$PKI_DIR/$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  stamp "$1" 3650
}

make_leaf() { # NAME CA DAYS SANS
  local name=$1 ca=$2 days=$3 sans=$4 cn=${4%%,*}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=${cn#DNS:}" \
    -keyout "$PKI_DIR/$name.key" -out "$PKI_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/$ca.pem" -CAkey "$PKI_DIR/$ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days "$days" -out "$PKI_DIR/$name.pem" \
    -extfile <(printf '%s\n' "subjectAltName=$sans" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth") 2>/dev/null
  rm -f "$PKI_DIR/$name.csr"
  stamp "$name" "$days"
}

pki_ensure() {
  mkdir -p "$PKI_DIR"
  if ! still_valid ca 60 || ! still_valid rogue-ca 60; then
    rm -f "$PKI_DIR"/*.pem "$PKI_DIR"/*.key "$PKI_DIR"/*.expires
    make_ca ca "vnetdiag lab CA"
    make_ca rogue-ca "vnetdiag rogue CA"
  fi
  still_valid valid 30 || make_leaf valid ca 365 "$AZURE_SANS"
  still_valid wrong-name 30 || make_leaf wrong-name ca 365 "DNS:*.blob.core.windows.net"
  still_valid untrusted 30 || make_leaf untrusted rogue-ca 365 "$AZURE_SANS"
  still_valid expiring 4 || make_leaf expiring ca 5 "$AZURE_SANS"
  local f
  for f in ca rogue-ca valid wrong-name untrusted expiring; do
    [ -s "$PKI_DIR/$f.pem" ] || die "could not create certificate $PKI_DIR/$f.pem"
  done
}
