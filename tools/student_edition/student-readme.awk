# student-readme.awk — the student edition's README.md, from the reference README.md.
# Usage: awk -v intro=FILE -f student-readme.awk README.md
# Drops what the student tree does not have (the examples, the benchmark, the
# instructors' section and tools) and puts the students' "how to work" section
# (FILE) after the quick start. Lines are dropped whole, so the lesson table (that
# new-lesson.sh extends) stays as it is. scripts/student-edition.sh runs it; the
# generator then checks that every relative link and `make` target it names exists.
/^## / {
  section = substr($0, 4)
  if (section == "The lessons" && !inserted) {
    while ((getline line < intro) > 0) print line
    print ""
    inserted = 1
  }
}
section == "Examples" || section == "For instructors" { next }
# Lines that name what is not handed out.
/examples\/|bench\/|make bench|check-examples|student-edition|new-lesson|instructors|tools\/|\.ci\/run|performance\.md/ { next }
{ print }
