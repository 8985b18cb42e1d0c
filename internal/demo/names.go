package demo

// Name and place lists for the fictional force. The names are common in
// England and Wales across communities; the places, streets and the "KM"
// postcode area are invented (there is no KM postcode area).

var girlsNames = []string{
	"Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
	"Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily", "Ella",
	"Evelyn", "Phoebe", "Sofia", "Evie", "Charlotte", "Harper", "Millie", "Matilda", "Maya", "Sophie",
	"Alice", "Emilia", "Isabelle", "Ruby", "Luna", "Maisie", "Aria", "Penelope", "Mila", "Bonnie",
	"Eva", "Hallie", "Eliza", "Ada", "Violet", "Esme", "Arabella", "Imogen", "Jessica", "Delilah",
	"Chloe", "Megan", "Holly", "Lacey", "Kayla", "Jade", "Courtney", "Leah", "Shannon", "Tia",
	"Aaliyah", "Amira", "Maryam", "Zara", "Hafsa", "Aisha", "Fatima", "Inaya", "Anaya", "Priya",
	"Simran", "Nia", "Amara", "Zainab", "Khadija", "Precious", "Blessing", "Chidinma", "Oliwia", "Zuzanna",
	"Maja", "Amelie", "Kacey", "Demi", "Paige", "Skye", "Keira", "Kelsey", "Tegan", "Cerys",
	"Ffion", "Seren", "Carys", "Niamh", "Aoife", "Caitlin", "Erin", "Brooke", "Summer", "Lexi",
}

var boysNames = []string{
	"Muhammad", "Noah", "Oliver", "George", "Leo", "Arthur", "Oscar", "Theodore", "Freddie", "Theo",
	"Harry", "Archie", "Henry", "Jack", "Alfie", "Charlie", "Finley", "Luca", "Tommy", "Jacob",
	"Thomas", "Isaac", "Lucas", "Teddy", "Edward", "Albie", "Reggie", "Jaxon", "Roman", "Hugo",
	"Mason", "Elijah", "Ezra", "Arlo", "Louie", "Jude", "Max", "William", "Ronnie", "Logan",
	"Ethan", "Joshua", "Kai", "Tyler", "Callum", "Connor", "Kyle", "Jordan", "Liam", "Reece",
	"Bradley", "Kieran", "Jayden", "Dylan", "Harvey", "Riley", "Lewis", "Brandon", "Cameron", "Declan",
	"Ibrahim", "Yusuf", "Ayaan", "Zayn", "Hamza", "Adam", "Omar", "Ali", "Bilal", "Arjun",
	"Rohan", "Dev", "Kwame", "Tobi", "David", "Emmanuel", "Daniel", "Samuel", "Jakub", "Kacper",
	"Filip", "Szymon", "Mateusz", "Rhys", "Osian", "Dafydd", "Owain", "Cian", "Ryan", "Sean",
	"Corey", "Mikey", "Jamie", "Aiden", "Billy", "Frankie", "Stanley", "Alex", "Sami", "Ishaan",
}

var familyNames = []string{
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
	"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
	"Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell", "Rose", "Davis", "Rodriguez",
	"Cox", "Alexander", "Morgan", "Moore", "Mills", "King", "Harris", "Lee", "Martin", "Cooper",
	"Turner", "Hughes", "Edwards", "Hill", "Ward", "Baker", "Harrison", "Morris", "Watson", "Young",
	"Ahmed", "Hussain", "Ali", "Begum", "Shah", "Akhtar", "Iqbal", "Rahman", "Singh", "Kaur",
	"Sharma", "Mistry", "Okafor", "Adeyemi", "Mensah", "Owusu", "Campbell", "Francis", "Grant", "Bailey",
	"Nowak", "Kowalski", "Wiśniewski", "Novak", "Murphy", "Kelly", "O'Brien", "Byrne", "Doherty", "Gallagher",
	"Price", "Bennett", "Lloyd", "Griffiths", "Parry", "Rees", "Powell", "Jenkins", "Owen", "Pugh",
	"Chapman", "Marshall", "Fletcher", "Dixon", "Webb", "Simpson", "Hunt", "Holmes", "Palmer", "Knight",
	"Barnes", "Stevens", "Foster", "Kennedy", "Ellis", "Pearson", "Reid", "Fox", "Gibson", "Saunders",
	"Lawrence", "Butler", "Russell", "Shaw", "Bell", "Hart", "Payne", "Lane", "Armstrong", "Bradley",
}

// Other names a child is known by: nicknames and shortened forms, the
// kind a report often gives instead of the legal name.
var nicknames = map[string]string{
	"Olivia": "Liv", "Isabella": "Bella", "Charlotte": "Lottie", "Matilda": "Tilly", "Elizabeth": "Lizzie",
	"Jessica": "Jess", "Alexander": "Alex", "Thomas": "Tom", "William": "Will", "Daniel": "Dan",
	"Samuel": "Sam", "Joshua": "Josh", "Muhammad": "Mo", "Jacob": "Jake", "Callum": "Cal",
	"Kacper": "Kacp", "Jakub": "Kuba", "Amelia": "Millie", "Megan": "Meg", "Rhys": "Rhysie",
}

// Ethnicity as the 2021 census's 19 groups, weighted roughly as in England
// and Wales (per mille).
var ethnicities = []struct {
	name   string
	weight int
}{
	{"White: English, Welsh, Scottish, Northern Irish or British", 740},
	{"White: Irish", 9}, {"White: Gypsy or Irish Traveller", 2}, {"White: Roma", 2},
	{"White: Other White", 60},
	{"Mixed: White and Black Caribbean", 9}, {"Mixed: White and Black African", 5},
	{"Mixed: White and Asian", 9}, {"Mixed: Other Mixed", 8},
	{"Asian: Indian", 31}, {"Asian: Pakistani", 27}, {"Asian: Bangladeshi", 11},
	{"Asian: Chinese", 7}, {"Asian: Other Asian", 16},
	{"Black: African", 25}, {"Black: Caribbean", 10}, {"Black: Other Black", 5},
	{"Other: Arab", 6}, {"Other: Any other ethnic group", 12},
}

// lpaPlaces are the towns of each LPA and their postcode districts.
var lpaPlaces = [][]struct {
	town     string
	district string
}{
	{{"Ashvale", "KM1"}, {"Ashvale", "KM2"}, {"Brackenford", "KM3"}, {"Thornbury Heath", "KM4"}, {"Elmstead", "KM5"}},
	{{"Marlcombe", "KM10"}, {"Marlcombe", "KM11"}, {"Saltmouth", "KM12"}, {"Westhaven", "KM13"}, {"Coldharbour Bay", "KM14"}},
}

var streetNames = []string{
	"Acacia", "Alder", "Ashdown", "Bakers", "Beech", "Bramble", "Brook", "Castle", "Chapel", "Cherry",
	"Church", "Clover", "Coronation", "Cromwell", "Dale", "Elm", "Fern", "Field", "Foxglove", "Garden",
	"Gorse", "Hawthorn", "Heather", "High", "Holly", "Jubilee", "Kestrel", "Kings", "Larch", "Lime",
	"Manor", "Maple", "Marsh", "Meadow", "Mill", "Moor", "Oak", "Orchard", "Park", "Priory",
	"Queens", "Rowan", "St Mary's", "Station", "Sycamore", "Tannery", "Victoria", "Willow", "Windmill", "Wren",
}

var streetKinds = []string{"Road", "Street", "Close", "Avenue", "Lane", "Way", "Crescent", "Drive", "Gardens", "Court"}

// lpaSchools are each LPA's schools (invented, like the places).
var lpaSchools = []struct{ primary, secondary []string }{
	{
		primary: []string{"Ashvale Park Primary School", "Brackenford Primary School", "St Mary's Church of England Primary School, Ashvale",
			"Thornbury Heath Infant and Junior School", "Elmstead Village Primary School"},
		secondary: []string{"Ashvale Academy", "Brackenford High School", "St Aidan's Catholic High School", "Elmstead School",
			"Ashvale Learning Centre (pupil referral unit)"},
	},
	{
		primary: []string{"Marlcombe Park Primary School", "Saltmouth Primary School", "Westhaven Community Primary School",
			"Coldharbour Bay Primary School", "Our Lady of the Sea Catholic Primary School"},
		secondary: []string{"Marlcombe Grammar School", "Saltmouth Community College", "Westhaven Academy", "Coldharbour Bay School",
			"Marlcombe Learning Centre (pupil referral unit)"},
	},
}

// childrensHomes are the invented children's homes of each LPA.
var childrensHomes = [][]string{
	{"Beech House, Ashvale", "The Larches, Brackenford", "Heathside Lodge, Thornbury Heath"},
	{"Harbour View, Saltmouth", "Cliff Cottage, Westhaven", "Marlcombe Lodge, Marlcombe"},
}

// demoMarkers are the warning markers demo children carry, the common
// ones more than once.
var demoMarkers = []string{
	"criminal_exploitation", "criminal_exploitation", "sexual_exploitation", "sexual_exploitation", "self_harm", "self_harm",
	"mental_health", "mental_health", "medical", "medical", "send", "substance_misuse", "online_harm", "domestic_abuse",
	"communication", "trafficking", "unaccompanied", "violence", "weapons",
}
