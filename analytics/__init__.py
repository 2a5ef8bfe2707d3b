"""Call records -> metrics, patience curves, policy comparisons, reports and plots.

Pure: numpy, pandas, pyarrow, scipy, matplotlib, jinja2 (lifelines only as the tests'
reference); never the app, the simulator, Flask, Twilio or SQLAlchemy. One job per module:

records / tables / validation   read, check and write record files (CSV, Parquet)
id_hashes                       64-bit call-id hashes: repeated ids found across batches
summary                         the report from files read in batches (bounded memory)
events                          read and check call-log events
groups                          queue x policy, or experiment arm (intention to treat)
metrics                         per-group rates and times, each definition in its docstring
                                (unserved_rate, intention to treat, is the primary comparison)
breakdowns / filters            per hour of day and per day; a period of entry times
intervals / compare             Wilson and Newcombe intervals, z-tests, sample sizes
batch_means / clustered_rates  errors of rates whose calls move together (by day, or
                                batches contiguous in time); shared with the simulator
rate_counts                     numerator and denominator of each compared rate
kaplan_meier / survival         Kaplan–Meier patience, log-rank, abandonment hazard
report / definitions            the report object (JSON-ready) and the words next to each number
formatting / render_text / render_html / plots / charts   the report for people
                                (templates/report.html: the page)
queue_log / queue_log_records   Asterisk queue_log export (events; records, streamed) and parser
pseudonyms                      caller numbers hashed in exports unless asked for
synthetic                       records with known truths, for tests and benchmarks
"""
