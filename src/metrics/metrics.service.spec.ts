import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { loadConfig } from '../config/app-config';
import { ContributesMetrics, MetricsContributor, mirroredCounter } from './metrics-contributor';
import { MetricsModule } from './metrics.module';
import { MetricsService } from './metrics.service';

/** A module that owns a number and contributes it, without importing MetricsModule. */
@Injectable()
class Widgets {
  made = 0;
}

@Injectable()
@ContributesMetrics()
class WidgetMetrics implements MetricsContributor {
  constructor(private readonly widgets: Widgets) {}
  registerMetrics(registry: Registry): void {
    mirroredCounter(registry, 'test_widgets_made_total', 'Widgets made', () => this.widgets.made);
  }
}

@Module({ providers: [Widgets, WidgetMetrics], exports: [Widgets] })
class WidgetModule {}

describe('MetricsService', () => {
  it("exposes every @ContributesMetrics() provider's series in the one registry, read at scrape time", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MetricsModule.forRoot(loadConfig({})), WidgetModule],
    }).compile();
    await moduleRef.init();
    try {
      const { registry } = moduleRef.get(MetricsService);
      const widgets = moduleRef.get(Widgets);
      expect(await registry.metrics()).toContain('test_widgets_made_total 0');
      widgets.made = 3;
      expect(await registry.metrics()).toContain('test_widgets_made_total 3');
      widgets.made = 5; // a mirrored counter follows its owner's total, scrape after scrape
      expect(await registry.metrics()).toContain('test_widgets_made_total 5');
      expect(await registry.metrics()).toContain('pixashot_captures_total');
    } finally {
      await moduleRef.close();
    }
  });
});
