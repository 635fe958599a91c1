"""Keys the program's modules share (no imports: program.py and service.py both read them)."""

#: NH-4 清廉民企, a kind of the designations block
CLEAN = "nanhu.clean_enterprise"
#: NH-4 党风廉政建设知识: the required course (必修课) of secretary and 积极分子 trainings, an activity type
INTEGRITY_COURSE = "nanhu.integrity_course"
