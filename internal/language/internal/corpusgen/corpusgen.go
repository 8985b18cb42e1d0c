// Package corpusgen writes deterministic English case-note-like text for the
// language checker's benchmarks: dated entries of ordinary police and social
// care recording, with a sentence containing flagged wording every 50–200
// sentences. The same seed and size always give the same bytes.
package corpusgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

var (
	names  = strings.Fields("Amy Ben Chloe Daniel Ellie Finn Grace Harry Isla Jack Kacper Leah Mohammed Niamh Oliver Priya Reece Sophie Tyler Zara")
	places = []string{"the bus station", "the retail park", "her grandmother's address", "the skate park", "the town centre", "school", "the leisure centre", "a friend's house", "the children's home", "the train station", "the takeaway on the high street", "the library"}
	agency = []string{"children's social care", "the MASH", "the school DSL", "the missing persons coordinator", "the YOT worker", "CAMHS", "the school nurse", "the duty social worker", "the Sergeant", "the exploitation team"}
	times  = []string{"07:40", "09:15", "12:30", "15:45", "17:20", "19:05", "21:50", "23:10", "01:30"}
	plain  = []string{
		"%[1]s was reported missing by %[2]s at %[3]s.",
		"Officers attended %[4]s and spoke to %[1]s, who was calm and answered questions.",
		"A return home interview was completed by %[2]s and shared with the team.",
		"%[1]s said she had been at %[4]s with friends from school.",
		"Information shared with %[2]s under the information sharing agreement.",
		"%[1]s was located at %[4]s at %[3]s and returned home by officers.",
		"Mum reports that %[1]s has been attending school and seems happier.",
		"Strategy meeting held; actions agreed with %[2]s and education.",
		"Risk assessment reviewed and graded medium following the new information.",
		"A referral was made to %[2]s and the child's details were checked on the system.",
		"%[1]s has a new phone and there are concerns about who bought it for her.",
		"Adults have been seen collecting %[1]s from %[4]s in a grey car.",
		"Intelligence submitted regarding the vehicle and the adult males seen with %[1]s.",
		"The social worker will visit on Thursday and update the plan.",
		"%[1]s presented as tired and hungry; she was given food and a hot drink.",
		"CCTV enquiries were made at %[4]s with negative results.",
		"%[1]s ran away from the placement after an argument with a member of staff.",
		"Officers checked the address and spoke to the occupants, who denied seeing her.",
		"The child is at risk of sexual exploitation and has been discussed at the panel.",
		"%[1]s disclosed that an older male had given her alcohol and cigarettes.",
		"Body-worn video was recorded and the footage has been retained.",
		"No further missing episodes have been reported this week.",
		"Contact made with %[2]s, who will complete a welfare visit today.",
		"%[1]s agreed to speak to a female officer and gave a short account.",
		"The safety plan was updated with the family and %[2]s.",
	}
	flagged = []string{
		"%[1]s appears deliberately missing and will return when she is ready.",
		"%[1]s is putting herself at risk by going to %[4]s.",
		"%[1]s is known to be streetwise and can look after herself.",
		"It was noted that %[1]s is missing through choice.",
		"%[1]s has an older boyfriend who picks her up from %[4]s.",
		"%[1]s continues to make poor choices about who she spends time with.",
		"%[1]s won't engage with %[2]s.",
		"He has been working for a dealer in the town centre.",
		"%[1]s is sexually active with older men according to the log.",
		"She is described as promiscuous in the previous referral.",
		"He was recruited into the line by older boys.",
		"The file refers to her as a child prostitute.",
		"%[1]s is a regular misper from the children's home.",
		"Staff feel her self-harm is attention seeking.",
		"Concerns about her high-risk lifestyle were raised by %[2]s.",
	}
)

// Write writes size bytes (cut at a sentence boundary, then padded with
// spaces to the exact size) generated from seed.
func Write(w io.Writer, size int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	var written int64
	nextFlag := 50 + r.IntN(151)
	sentences := 0
	for written < size {
		line := fmt.Sprintf("%02d/%02d/2024 %s ", 1+r.IntN(28), 1+r.IntN(12), times[r.IntN(len(times))])
		n := 3 + r.IntN(6)
		for i := 0; i < n; i++ {
			tmpl := plain[r.IntN(len(plain))]
			sentences++
			if sentences >= nextFlag {
				tmpl = flagged[r.IntN(len(flagged))]
				sentences, nextFlag = 0, 50+r.IntN(151)
			}
			line += fmt.Sprintf(tmpl, names[r.IntN(len(names))], agency[r.IntN(len(agency))], times[r.IntN(len(times))], places[r.IntN(len(places))])
			if i < n-1 {
				line += " "
			}
		}
		line += "\n"
		if written+int64(len(line)) > size {
			line = strings.Repeat(" ", int(size-written))
		}
		k, err := bw.WriteString(line)
		written += int64(k)
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}
