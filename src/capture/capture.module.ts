import { Module } from '@nestjs/common';
import { BrowserPoolModule } from '../browser-pool/browser-pool.module';
import { CacheModule } from '../cache/cache.module';
import { CaptureController } from './capture.controller';
import { CaptureService } from './capture.service';

@Module({
  imports: [BrowserPoolModule, CacheModule],
  controllers: [CaptureController],
  providers: [CaptureService],
  exports: [CaptureService],
})
export class CaptureModule {}
