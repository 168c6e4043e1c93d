# bash completion for vnetdiag. Commands and options are read from the program's own --help
# (the installed version's), so they never go stale; only option values are listed here.
# Installed as /usr/share/bash-completion/completions/vnetdiag; from the bundle:
#   source /home/site/tools/vnetdiag/completion.bash

_vnetdiag_help() {
  # _vnetdiag_help PROGRAM [COMMAND]: the help text, or nothing when the program cannot run.
  "$@" --help 2>/dev/null
}

_vnetdiag() {
  local cur prev program command i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD - 1]}"
  program="${COMP_WORDS[0]}"
  # 'sh .../vnetdiag.sh' runs the bundle's launcher: the command words start after it.
  local first=1
  case "$program" in
    sh | bash | dash) program="${COMP_WORDS[1]}"; first=2 ;;
  esac
  local run=("$program")
  case "$program" in *.sh) run=(sh "$program") ;; esac

  command=""
  for ((i = first; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -*) ;;
      *) command="${COMP_WORDS[i]}"; break ;;
    esac
  done

  if [ -z "$command" ]; then
    local commands
    commands="$(_vnetdiag_help "${run[@]}" | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\)  .*/\1/p')"
    [ -n "$commands" ] || commands="check env fix serve version"
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return 0
  fi

  case "$prev" in
    # settings-table:begin (generated from agent/settings_table.cpp by tests/settings/settings_docs)
    --cloud)
      mapfile -t COMPREPLY < <(compgen -W "AzureCloud AzureUSGovernment AzureChinaCloud" -- "$cur"); return 0 ;;
    --route-all)
      mapfile -t COMPREPLY < <(compgen -W "on off" -- "$cur"); return 0 ;;
    -o | --output)
      mapfile -t COMPREPLY < <(compgen -W "text json junit html svg" -- "$cur"); return 0 ;;
    --emit)
      mapfile -t COMPREPLY < <(compgen -W "az terraform bicep" -- "$cur"); return 0 ;;
    --config | --resolv-conf | --proc-environ | --ca-bundle | --arm-ca-bundle | --token-file | --evidence | --out | --plan | --journal)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
    # settings-table:end
  esac
  # Any other option that takes a value: nothing to offer but the user's own words.
  local help
  help="$(_vnetdiag_help "${run[@]}" "$command")"
  if [ -n "$prev" ] && [[ "$prev" == -* ]] && grep -qE -- "^ +(-[a-zA-Z] \[ )?$prev( \])? arg" <<<"$help"; then
    COMPREPLY=()
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    local options
    options="$(sed -n -E 's/^ +(-[a-zA-Z0-9] \[ )?(--[a-zA-Z0-9][a-zA-Z0-9-]*).*/\2/p' <<<"$help")"
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  fi
  return 0
}
complete -F _vnetdiag vnetdiag vnetdiag.sh
