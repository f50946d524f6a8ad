# The four slow tests that check only Theory/Tuning.cs, GradientNoise.cs and MinibatchNoise.cs (see run.sh), as a
# dotnet test filter that leaves them out; sourced by run.sh and uncovered.sh.
SEARCH_TESTS='FullyQualifiedName!~Monte_Carlo_runs_of_the_optimizer_agree&FullyQualifiedName!~The_numerical_optimum_of_QHM_is&FullyQualifiedName!~The_numerical_optimiser_finds_the_closed_forms&FullyQualifiedName!~The_reshuffled_prediction_matches_the_trainers_plateau'
