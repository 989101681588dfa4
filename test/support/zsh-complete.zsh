# What zsh's completion system makes of a command line, for the completion tests:
#   zsh zsh-complete.zsh <completion script> <words to complete>
# An interactive zsh in a pseudo-terminal loads the script after compinit, receives the words and
# a Tab, then prints a marker; everything zle drew between the two is the answer.
setopt extendedglob
zmodload zsh/zpty
# Markers are built at run time ($((6*7))) so that the echoed command line never matches them.
read_until() {
  local line
  out=''
  while zpty -r -t z line || sleep 0.05; do
    out+=$line
    [[ $out == *$1* ]] && return
  done
}
zpty z 'zsh -f -i'
zpty -w z "PROMPT='>'; autoload -U compinit; compinit -u -D; source ${(q)1}; LISTMAX=10000; setopt nobeep"
zpty -w z 'print -r -- READY$((6*7))'
read_until READY42
zpty -w -n z "${2}"$'\t'
# Ctrl-U clears the line before the marker
zpty -w z $'\x15''print -r -- END$((6*7))'
read_until END42
zpty -d z
print -r -- "${out//$'\e'\[[0-9;?]#[a-zA-Z]/}"
