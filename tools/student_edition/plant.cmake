# cmake -DIN=FILE -DOUT=FILE -DDROP=TEXT -P plant.cmake
# Writes IN to OUT with the one line whose text (without its indentation) is DROP
# taken out: a planted mistake of docs/instructors.md, built as a program so that a
# test shows what a student who makes it sees. Fails if DROP is not a line of IN
# exactly once (the lesson changed: update the planted mistake with it).
file(READ "${IN}" text)
string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" pattern "${DROP}")
set(line "\n[ ]*${pattern}\n")
string(REGEX REPLACE "${line}" "\n// (planted mistake: '${DROP}' taken out)\n" planted
       "\n${text}")
string(REGEX MATCH "${line}" again "${planted}")
if(planted STREQUAL "\n${text}" OR again)
  message(FATAL_ERROR "plant.cmake: '${DROP}' must be a line of ${IN} exactly once")
endif()
string(SUBSTRING "${planted}" 1 -1 text)
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
