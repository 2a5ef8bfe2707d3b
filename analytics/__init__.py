"""Call records -> metrics, patience curves, policy comparisons, reports and plots.

Pure: numpy, pandas, scipy, lifelines, matplotlib; never the app, the simulator, Flask, Twilio or
SQLAlchemy. One job per module:

records / tables / validation   read, check and write record files (CSV, Parquet)
events                          read and check call-log events
groups                          queue x policy, or experiment arm (intention to treat)
metrics                         per-group rates and times, each definition in its docstring
intervals / compare             Wilson and Newcombe intervals, z-tests, sample sizes
survival                        Kaplan–Meier patience, log-rank, abandonment hazard
report / definitions            the report object (JSON-ready) and the words next to each number
formatting / render_text / render_html / plots   the report for people
queue_log                       Asterisk queue_log export and parser
synthetic                       records with known truths, for tests and benchmarks
"""
