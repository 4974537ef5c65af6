"""IRIs the graph-view tests name."""

BASE = "https://w3id.org/vetgraph/"
SCHOOL = BASE + "id/school/"
ORG = BASE + "id/organisation/"
CLUSTER = BASE + "code/industry-cluster/"
MAJOR = BASE + "code/major/"
