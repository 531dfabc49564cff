package app

import (
	"context"

	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
)

// surveyValues returns the survey results of period by manager, as values
// of the survey indicators.
func (a *App) surveyValues(ctx context.Context, period string, managers []string) (map[string][]scoring.Value, error) {
	return nil, nil
}
