import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import {
  BROWSER_CONTEXT_ROUTER,
  BROWSER_EXTRA_ARGS,
  BrowserContextRouter,
} from '../browser-pool/browser-pool.tokens';
import { TARGET_GUARD } from '../capture/capture.types';
import { toList } from '../common/text-values';
import { AppConfig } from '../config/app-config';
import { EgressTargetGuard } from './egress-target-guard';
import { EgressMetrics } from './egress.metrics';
import { EGRESS_OPTIONS, EgressOptions } from './egress.constants';
import { EgressService } from './egress.service';

/**
 * The network policy and its egress proxy. Registered once, at the root, and
 * global: whoever launches browsers or runs captures injects EgressService.
 */
@Module({})
export class EgressModule {
  /**
   * The app's wiring: options from NETWORK_ALLOW / NETWORK_DENY, the proxy's
   * Chrome flags for every browser the pool launches (the proxy must listen
   * before the first launch, hence the async factory), a proxy route per
   * browser context, and the capture pipeline's target guard.
   */
  static forApp(): DynamicModule {
    const dynamic = EgressModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        allow: toList(config.NETWORK_ALLOW),
        deny: toList(config.NETWORK_DENY),
      }),
    });
    return {
      ...dynamic,
      providers: [
        ...(dynamic.providers ?? []),
        {
          provide: BROWSER_EXTRA_ARGS,
          inject: [EgressService],
          useFactory: async (egress: EgressService) => {
            await egress.start();
            return egress.chromeArgs();
          },
        },
        {
          // Each capture's context talks to the proxy on a route of its own, so its refusals are its own.
          provide: BROWSER_CONTEXT_ROUTER,
          inject: [EgressService],
          useFactory: (egress: EgressService): BrowserContextRouter => ({ open: () => egress.openRoute() }),
        },
        { provide: TARGET_GUARD, useClass: EgressTargetGuard },
      ],
      exports: [EgressService, BROWSER_EXTRA_ARGS, BROWSER_CONTEXT_ROUTER, TARGET_GUARD],
    };
  }

  static forRoot(options: EgressOptions): DynamicModule {
    return {
      module: EgressModule,
      global: true,
      providers: [{ provide: EGRESS_OPTIONS, useValue: options }, EgressService, EgressMetrics],
      exports: [EgressService],
    };
  }

  /** For options that come from another provider (the app config). */
  static forRootAsync(options: {
    imports?: ModuleMetadata['imports'];
    inject?: any[];
    useFactory: (...args: any[]) => EgressOptions | Promise<EgressOptions>;
  }): DynamicModule {
    return {
      module: EgressModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: EGRESS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        EgressService,
        EgressMetrics,
      ],
      exports: [EgressService],
    };
  }
}
